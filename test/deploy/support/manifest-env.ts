/**
 * The environment a pod of the rendered StatefulSet gets, resolved the way the kubelet does it:
 * envFrom ConfigMaps, then env entries (literal, downward API, Secret), with $(VAR) references
 * expanded. Lets the tests feed the manifests' settings to the node's own loadConfig.
 */
import { configKeys } from '../../../src/config/schema.js';
import { envName } from '../../../src/config/load.js';
import type { K8sObject } from './kustomize.js';

/** PARKING_* variables that are not settings: read by the CLI and the config loader themselves. */
export const NON_SETTING_VARS = new Set(['PARKING_ENV', 'PARKING_HISTORY', 'PARKING_NODE']);

/** The variable of every setting in src/config/schema.ts (dnsName -> PARKING_DNS_NAME). */
export const SETTING_VARS = new Set(configKeys.map((k) => envName(k)));

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Container {
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
}

/** Sample downward-API values for a pod. */
export interface PodFacts {
  name: string;
  namespace: string;
  podIP: string;
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`${kind}/${name} is referenced but not rendered`);
  return o;
}

function secretValue(secret: K8sObject, key: string): string {
  const stringData = secret.stringData as Record<string, string> | undefined;
  const data = secret.data as Record<string, string> | undefined;
  if (stringData?.[key] !== undefined) return stringData[key];
  if (data?.[key] !== undefined) return Buffer.from(data[key], 'base64').toString('utf8');
  throw new Error(`Secret/${secret.metadata.name} has no key ${key}`);
}

/**
 * The container's environment. Throws when it references a ConfigMap or Secret that is not among
 * `objects` (pass `external` for Secrets an operator creates by hand).
 */
export function containerEnv(
  objects: K8sObject[],
  container: Container,
  pod: PodFacts,
  external: Record<string, Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const secret = (name: string, key: string) => external[name]?.[key] ?? secretValue(find(objects, 'Secret', name), key);
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef !== undefined)
      Object.assign(env, find(objects, 'ConfigMap', from.configMapRef.name).data as Record<string, string>);
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
      env[v.name] = (find(objects, 'ConfigMap', v.valueFrom.configMapKeyRef.name).data as Record<string, string>)[
        v.valueFrom.configMapKeyRef.key
      ]!;
    } else {
      throw new Error(`env ${v.name} has no value`);
    }
  }
  return env;
}
