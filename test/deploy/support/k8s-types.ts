/**
 * Checks Kubernetes objects two ways, offline:
 * - `schemaErrors`: kubernetes-models' JSON-schema validators (types, required fields, enums). They
 *   accept unknown fields, so a misspelt `readinesProbe` would pass;
 * - `unknownFieldErrors`: the same models' TypeScript interfaces. Each object is written out as a
 *   typed object literal and type-checked; TypeScript's excess-property check then names every
 *   field the API does not have, at any depth.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { K8sObject } from './kustomize.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** `apps/v1` + `StatefulSet` -> `kubernetes-models/apps/v1/StatefulSet`. */
function modulePath(o: K8sObject): string {
  return `kubernetes-models/${o.apiVersion}/${o.kind}`;
}

/** Schema errors of each object, as `Kind/name: message` (empty when all are valid). */
export async function schemaErrors(objects: K8sObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const o of objects) {
    const mod = (await import(modulePath(o))) as Record<string, new (data: unknown) => { validate(): void }>;
    const Model = mod[o.kind];
    if (Model === undefined) throw new Error(`no model for ${o.apiVersion} ${o.kind}`);
    try {
      new Model(o).validate();
    } catch (err) {
      errors.push(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
    }
  }
  return errors;
}

/** Type errors (unknown fields first among them) of each object, as `Kind/name: message`. */
export function unknownFieldErrors(objects: K8sObject[]): string[] {
  // The file sits next to this one so that `kubernetes-models` resolves from the repository.
  const file = join(HERE, '__rendered_manifests__.ts');
  const lines = objects.map(
    (o, i) => `import type { I${o.kind} as T${i} } from '${modulePath(o)}';\nexport const o${i}: T${i} = ${JSON.stringify(o, null, 1)};`,
  );
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  // eslint-disable-next-line @typescript-eslint/unbound-method -- each is called back with host as this (.call)
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(name, source, lang) : getSourceFile.call(host, name, lang, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return text;
    // Name the object the error is in: the nearest `export const oN` above the error.
    const index = Number([...source.slice(0, d.start).matchAll(/export const o(\d+)/g)].at(-1)?.[1] ?? -1);
    const o = objects[index];
    return `${o === undefined ? '?' : `${o.kind}/${o.metadata.name}`}: ${text}`;
  });
}
