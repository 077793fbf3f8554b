/**
 * The environment a pod of the rendered StatefulSet gets, resolved the way the kubelet does it:
 * envFrom ConfigMaps, then env entries (literal, downward API, Secret), with $(VAR) references
 * expanded. Lets the tests feed the manifests' settings to the node's own loadConfig.
 */
import { configKeys } from '../../../src/config/schema.js';
import { envName } from '../../../src/config/load.js';
import { objectOf, type IContainer, type Typed } from './k8s-objects.js';
import type { K8sObject } from './kustomize.js';

/** PARKING_* variables that are not settings: read by the CLI and the config loader themselves. */
export const NON_SETTING_VARS = new Set(['PARKING_ENV', 'PARKING_HISTORY', 'PARKING_NODE']);

/** The variable of every setting in src/config/schema.ts (dnsName -> PARKING_DNS_NAME). */
export const SETTING_VARS = new Set(configKeys.map((k) => envName(k)));

/** Sample downward-API values for a pod. */
export interface PodFacts {
  name: string;
  namespace: string;
  podIP: string;
}

function secretValue(secret: Typed<'Secret'>, key: string): string {
  const text = secret.stringData?.[key];
  if (text !== undefined) return text;
  const base64 = secret.data?.[key];
  if (base64 !== undefined) return Buffer.from(base64, 'base64').toString('utf8');
  throw new Error(`Secret/${secret.metadata.name} has no key ${key}`);
}

/**
 * The container's environment. Throws when it references a ConfigMap or Secret that is not among
 * `objects` (pass `external` for Secrets an operator creates by hand).
 */
export function containerEnv(
  objects: K8sObject[],
  container: Pick<IContainer, 'env' | 'envFrom'>,
  pod: PodFacts,
  external: Record<string, Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const secret = (name: string | undefined, key: string) =>
    (name === undefined ? undefined : external[name]?.[key]) ?? secretValue(objectOf(objects, 'Secret', name), key);
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef !== undefined) Object.assign(env, objectOf(objects, 'ConfigMap', from.configMapRef.name).data);
    if (from.secretRef !== undefined) throw new Error('secretRef in envFrom is not expected');
  }
  const fields: Record<string, string> = { 'metadata.name': pod.name, 'metadata.namespace': pod.namespace, 'status.podIP': pod.podIP };
  for (const v of container.env ?? []) {
    if (v.value !== undefined) {
      // $(VAR) expands only variables defined earlier in the list (or by envFrom), as in Kubernetes.
      env[v.name] = v.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
    } else if (v.valueFrom?.fieldRef !== undefined) {
      const value = fields[v.valueFrom.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`unexpected fieldRef ${v.valueFrom.fieldRef.fieldPath}`);
      env[v.name] = value;
    } else if (v.valueFrom?.secretKeyRef !== undefined) {
      env[v.name] = secret(v.valueFrom.secretKeyRef.name, v.valueFrom.secretKeyRef.key);
    } else if (v.valueFrom?.configMapKeyRef !== undefined) {
      const { name, key } = v.valueFrom.configMapKeyRef;
      const value = objectOf(objects, 'ConfigMap', name).data?.[key];
      // The kubelet refuses to start a container whose (non-optional) key is missing.
      if (value === undefined) throw new Error(`ConfigMap/${String(name)} has no key ${key}`);
      env[v.name] = value;
    } else {
      throw new Error(`env ${v.name} has no value`);
    }
  }
  return env;
}
