/**
 * Rendered objects looked up by kind and name, typed by kubernetes-models' interfaces, so that a test
 * reading `spec.template.spec.containers` is type-checked down to the field. Reading them this way is
 * sound because manifests.test.ts checks every rendered object against the same interfaces
 * (`unknownFieldErrors`) and schemas (`schemaErrors`); a typo in a test is then a type error.
 */
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { K8sObject } from './kustomize.js';

export type { IContainer, IPodSpec };

/** The kinds the tests read, by their `kind` field. */
export interface Kinds {
  ConfigMap: IConfigMap;
  PodDisruptionBudget: IPodDisruptionBudget;
  Secret: ISecret;
  Service: IService;
  StatefulSet: IStatefulSet;
}

/** A rendered object of kind `K`: its model's fields, and a name (every rendered object has one). */
export type Typed<K extends keyof Kinds> = Kinds[K] & K8sObject;

/** Every rendered object of `kind`, in file order. */
export function objectsOf<K extends keyof Kinds>(objects: K8sObject[], kind: K): Typed<K>[] {
  return objects.filter((o) => o.kind === kind) as Typed<K>[];
}

/** The rendered object of `kind` named `name`; throws when there is none (or no name was given). */
export function objectOf<K extends keyof Kinds>(objects: K8sObject[], kind: K, name: string | undefined): Typed<K> {
  const o = objectsOf(objects, kind).find((x) => x.metadata.name === name);
  if (o === undefined) throw new Error(`${kind}/${String(name)} is referenced but not rendered`);
  return o;
}

/** The pod template's spec of a StatefulSet; throws when it has none. */
export function podSpecOf(sts: IStatefulSet): IPodSpec {
  const pod = sts.spec?.template.spec;
  if (pod === undefined) throw new Error(`StatefulSet/${String(sts.metadata?.name)} has no pod template spec`);
  return pod;
}

/** The first (the app) container of a pod spec; throws when it has none. */
export function appContainerOf(pod: IPodSpec): IContainer {
  const container = pod.containers[0];
  if (container === undefined) throw new Error('the pod spec has no container');
  return container;
}
