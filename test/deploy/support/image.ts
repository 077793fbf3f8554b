/**
 * Building the parking image on the private engine, and the figures the report asks for; running it
 * as the kubelet runs the StatefulSet's container.
 */
import { mustDocker } from './dockerd.js';
import { appContainerOf, objectsOf, podSpecOf } from './k8s-objects.js';
import type { K8sObject } from './kustomize.js';
import { containerEnv } from './manifest-env.js';
import { ROOT } from './paths.js';
import type { Pod } from './pod-lab.js';

/** The tag the deploy test builds (what the minikube overlay runs). */
export const IMAGE = 'parking:local';

/** Builds the repository's Dockerfile on `baseImage`; returns the build time and image size. */
export async function buildImage(baseImage: string): Promise<{ ms: number; bytes: number; baseBytes: number; log: string }> {
  const started = Date.now();
  // --network host: the build stage's `npm ci` needs the registry; the engine has no bridge.
  const log = await mustDocker(['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${baseImage}`, '-t', IMAGE, ROOT], {
    timeoutMs: 480_000,
  });
  const ms = Date.now() - started;
  const bytes = Number((await mustDocker(['image', 'inspect', '-f', '{{.Size}}', IMAGE])).trim());
  const baseBytes = Number((await mustDocker(['image', 'inspect', '-f', '{{.Size}}', baseImage])).trim());
  return { ms, bytes, baseBytes, log };
}

/** `docker run` flags for the app container of `pod`, from the rendered StatefulSet in `objects`. */
export function runFlags(pod: Pod, objects: K8sObject[]): string[] {
  const podSpec = podSpecOf(objectsOf(objects, 'StatefulSet')[0]!);
  const container = appContainerOf(podSpec);
  const env = containerEnv(objects, container, { name: pod.name, namespace: 'default', podIP: pod.ip });
  const sc = container.securityContext;
  const flags = [
    '--name',
    pod.app,
    '--network',
    `container:${pod.pause}`,
    '-v',
    `${pod.resolvConf}:/etc/resolv.conf:ro`,
    '--user',
    String(podSpec.securityContext?.runAsUser),
  ];
  if (sc?.readOnlyRootFilesystem === true) flags.push('--read-only');
  if (sc?.capabilities?.drop?.includes('ALL') === true) flags.push('--cap-drop', 'ALL');
  if (sc?.allowPrivilegeEscalation === false) flags.push('--security-opt', 'no-new-privileges');
  for (const m of container.volumeMounts ?? []) flags.push('--tmpfs', m.mountPath);
  flags.push('--memory', String(container.resources?.limits?.memory).replace(/Mi$/, 'm'));
  for (const [k, v] of Object.entries(env)) flags.push('-e', `${k}=${v}`);
  return [...flags, IMAGE, ...(container.args ?? [])];
}
