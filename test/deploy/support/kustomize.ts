/**
 * A small kustomize renderer for exactly the subset k8s/ uses: `resources` (files and directories
 * holding a kustomization), `images` (newName/newTag/digest) and `patches` (inline JSON 6902 op
 * lists with a kind/name target). CI machines have no kubectl; anything outside the subset is an
 * error, never silently ignored, and when kubectl is present the test compares the two renderings.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** A rendered Kubernetes object. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; [k: string]: unknown };

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}
interface Op {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}
interface Patch {
  target: { kind?: string; name?: string };
  patch: string;
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'images', 'patches']);

/** Renders the kustomization in `dir` (like `kubectl kustomize dir`), objects in file order. */
export function renderKustomization(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  const k = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(k)) if (!KNOWN_FIELDS.has(key)) throw new Error(`${file}: field "${key}" is outside the supported subset`);
  if (k.kind !== 'Kustomization') throw new Error(`${file}: kind must be Kustomization`);
  const objects: K8sObject[] = [];
  for (const entry of (k.resources as string[] | undefined) ?? []) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...readObjects(path));
  }
  for (const patch of (k.patches as Patch[] | undefined) ?? []) applyPatch(objects, patch, file);
  for (const rule of (k.images as ImageRule[] | undefined) ?? []) applyImage(objects, rule);
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.name}`;
    if (seen.has(id)) throw new Error(`${file}: ${id} is defined twice`);
    seen.add(id);
  }
  return objects;
}

function readObjects(path: string): K8sObject[] {
  if (!existsSync(path)) throw new Error(`missing resource ${path}`);
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

function applyPatch(objects: K8sObject[], patch: Patch, file: string): void {
  const targets = objects.filter(
    (o) => (patch.target.kind ?? o.kind) === o.kind && (patch.target.name ?? o.metadata.name) === o.metadata.name,
  );
  if (targets.length === 0) throw new Error(`${file}: a patch matches no object`);
  const ops = parse(patch.patch) as Op[];
  if (!Array.isArray(ops)) throw new Error(`${file}: only JSON 6902 patches (a list of ops) are supported`);
  for (const target of targets) for (const op of ops) applyOp(target, op, `${dirname(file)}`);
}

// RFC 6901 pointer segments; "~1" is "/" and "~0" is "~".
function applyOp(root: unknown, op: Op, where: string): void {
  const parts = op.path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop();
  if (last === undefined) throw new Error(`${where}: empty patch path`);
  let node = root as Record<string, unknown>;
  for (const part of parts) {
    const next = node[part];
    if (next === null || typeof next !== 'object') throw new Error(`${where}: patch path ${op.path} does not exist`);
    node = next as Record<string, unknown>;
  }
  const isArray = Array.isArray(node);
  if (op.op !== 'add' && !(last in node)) throw new Error(`${where}: patch path ${op.path} does not exist`);
  if (op.op === 'remove') {
    if (isArray) (node as unknown as unknown[]).splice(Number(last), 1);
    else delete node[last];
  } else if (op.op === 'add' && isArray) {
    const list = node as unknown as unknown[];
    list.splice(last === '-' ? list.length : Number(last), 0, op.value);
  } else if (op.op === 'add' || op.op === 'replace') {
    node[last] = op.value;
  } else {
    throw new Error(`${where}: patch op ${String(op.op)} is not supported`);
  }
}

/** Every container list of a workload (pod template) or a Pod. */
export function containersOf(o: K8sObject): Record<string, unknown>[] {
  const spec = o.spec as ({ template?: { spec?: Record<string, unknown> } } & Record<string, unknown>) | undefined;
  const pod = o.kind === 'Pod' ? spec : spec?.template?.spec;
  if (pod === undefined) return [];
  return [...((pod.containers as Record<string, unknown>[]) ?? []), ...((pod.initContainers as Record<string, unknown>[]) ?? [])];
}

function applyImage(objects: K8sObject[], rule: ImageRule): void {
  for (const c of objects.flatMap(containersOf)) {
    const image = String(c.image);
    const match = /^([^@:]+(?::\d+\/[^@:]+)?)(?::([^@]+))?(?:@(.+))?$/.exec(image);
    if (match === null || match[1] !== rule.name) continue;
    const name = rule.newName ?? match[1];
    if (rule.digest !== undefined) c.image = `${name}@${rule.digest}`;
    else if (rule.newTag !== undefined) c.image = `${name}:${rule.newTag}`;
    else c.image = `${name}${match[2] !== undefined ? `:${match[2]}` : ''}${match[3] !== undefined ? `@${match[3]}` : ''}`;
  }
}
