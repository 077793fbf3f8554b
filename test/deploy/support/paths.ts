/** Paths shared by the deploy tests. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Every kustomize target a user may apply: the base and each overlay. */
export const KUSTOMIZE_TARGETS = ['k8s/base', 'k8s/overlays/minikube'];
