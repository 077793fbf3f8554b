/**
 * The Kubernetes manifests, checked offline: every kustomize target renders (with our renderer,
 * and the same as `kubectl kustomize` where kubectl exists), validates against the Kubernetes
 * schemas with no unknown field, and keeps the invariants a working cluster depends on.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { appContainerOf, objectOf, objectsOf, podSpecOf } from './support/k8s-objects.js';
import { schemaErrors, unknownFieldErrors } from './support/k8s-types.js';
import { containersOf, renderKustomization, type K8sObject } from './support/kustomize.js';
import { containerEnv, NON_SETTING_VARS, SETTING_VARS } from './support/manifest-env.js';
import { KUSTOMIZE_TARGETS, ROOT } from './support/paths.js';

const byId = (a: K8sObject, b: K8sObject) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`);
const rendered = Object.fromEntries(KUSTOMIZE_TARGETS.map((t) => [t, renderKustomization(join(ROOT, t))]));
const POD = { name: 'parking-1', namespace: 'lots', podIP: '10.244.0.7' };
const BASE_SECRET = { 'parking-cookie': { cookie: 'an-operator-made-cookie' } };

function kubectl(): string | undefined {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return 'kubectl';
  } catch {
    return undefined;
  }
}

describe.each(KUSTOMIZE_TARGETS)('kustomize target %s', (target) => {
  const objects = rendered[target]!;
  const sts = objectOf(objects, 'StatefulSet', 'parking');
  const pod = podSpecOf(sts);
  const container = appContainerOf(pod);
  const env = containerEnv(objects, container, POD, BASE_SECRET);

  it('renders exactly as kubectl kustomize does (its recorded output, and kubectl itself where installed)', () => {
    // kubectl is not on a fresh CI machine (Debian's kubernetes-client is too old for `patches:`), so
    // its output is recorded in test/deploy/fixtures; where kubectl exists the recording is checked too.
    const fixture = join(ROOT, 'test', 'deploy', 'fixtures', `${target.replaceAll('/', '-')}.kubectl.yaml`);
    const recorded = parseAllDocuments(readFileSync(fixture, 'utf8')).map((d) => d.toJS() as K8sObject);
    expect([...objects].sort(byId)).toEqual([...recorded].sort(byId));
    if (kubectl() !== undefined) {
      const out = execFileSync('kubectl', ['kustomize', join(ROOT, target)], { encoding: 'utf8' });
      const live = parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
      expect(live.sort(byId), `${fixture} is stale: regenerate it with kubectl kustomize ${target}`).toEqual([...recorded].sort(byId));
    }
  });

  it('validates against the Kubernetes schemas', async () => {
    expect(await schemaErrors(objects)).toEqual([]);
  });

  it('has no field the Kubernetes API does not know (checked by the typed models)', () => {
    expect(unknownFieldErrors(objects)).toEqual([]);
  });

  it('discovers peers through a headless service that publishes not-ready pods', () => {
    const headless = objectOf(objects, 'Service', sts.spec?.serviceName);
    expect(headless.spec?.clusterIP).toBe('None');
    expect(headless.spec?.publishNotReadyAddresses).toBe(true);
    expect(pod).toBeDefined();
    expect(sts.metadata.name).toBe('parking');
    expect(env.PARKING_DNS_NAME).toBe(`${headless.metadata.name}.${POD.namespace}.svc.cluster.local`);
  });

  it('selects its pods from every service and the disruption budget', () => {
    const labels = sts.spec?.template.metadata?.labels ?? {};
    // A missing selector selects nothing here (for a Service, Kubernetes would select no pod either).
    const selects = (selector: Record<string, string> | undefined) =>
      selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);
    const services = objectsOf(objects, 'Service');
    for (const o of services) expect(selects(o.spec?.selector), o.metadata.name).toBe(true);
    expect(selects(sts.spec?.selector.matchLabels)).toBe(true);
    const pdb = objectOf(objects, 'PodDisruptionBudget', 'parking');
    expect(selects(pdb.spec?.selector?.matchLabels)).toBe(true);
    expect(pdb.spec?.maxUnavailable).toBe(1);
    const containerPorts = (container.ports ?? []).map((c) => c.name);
    for (const o of services) {
      for (const p of o.spec?.ports ?? []) expect(containerPorts, o.metadata.name).toContain(p.targetPort);
    }
  });

  it('runs three pods in parallel, each named by the downward API', () => {
    expect(sts.spec?.replicas).toBe(3);
    expect(sts.spec?.podManagementPolicy).toBe('Parallel');
    expect(env.PARKING_NAME).toBe(POD.name);
    expect(env.PARKING_ADVERTISE_HOST).toBe(POD.podIP);
    // Service links would set PARKING_PORT=tcp://..., which the node reads as its port setting.
    expect(pod.enableServiceLinks).toBe(false);
  });

  it('takes the cookie from a Secret and the lot from a ConfigMap', () => {
    expect(container.env?.find((v) => v.name === 'PARKING_COOKIE')?.valueFrom?.secretKeyRef?.name).toBe('parking-cookie');
    const configMap = objectOf(objects, 'ConfigMap', container.envFrom?.[0]?.configMapRef?.name);
    expect(Object.keys(configMap.data ?? {})).toEqual(expect.arrayContaining(['PARKING_GATES', 'PARKING_SPACES']));
  });

  it('sets only PARKING_* variables the node reads', () => {
    const parking = Object.keys(env).filter((k) => k.startsWith('PARKING_'));
    expect(parking.filter((k) => !SETTING_VARS.has(k) && !NON_SETTING_VARS.has(k))).toEqual([]);
    expect(Object.keys(env).filter((k) => !k.startsWith('PARKING_'))).toEqual(['POD_NAMESPACE']);
  });

  it('gives a configuration the node accepts: dns discovery, port 4000, every node the same lot', () => {
    // The image sets PARKING_ENV=production; args add --discovery dns.
    expect(container.args).toEqual(['start', '--no-repl', '--discovery', 'dns']);
    const config = loadConfig({ env: { ...env, PARKING_ENV: 'production' }, flags: { discovery: 'dns' } });
    expect(config).toMatchObject({ discovery: 'dns', host: '0.0.0.0', port: 4000, gates: 4, spaces: 100, name: POD.name });
    expect(container.ports?.[0]?.containerPort).toBe(config.port);
  });

  it('probes liveness on /healthz and readiness (joined and caught up) on /readyz', () => {
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.startupProbe?.httpGet?.path).toBe('/healthz');
  });

  it('leaves gracefully: preStop, then SIGTERM with time for shutdownTimeoutMs', () => {
    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe('sleep');
    const config = loadConfig({ env: { ...env, PARKING_ENV: 'production' } });
    const neededSeconds = Number(preStop[1]) + config.shutdownTimeoutMs / 1000 + 1;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(neededSeconds + 5);
  });

  it('requests and limits resources', () => {
    const { requests, limits } = container.resources ?? {};
    expect(typeof requests?.cpu).toBe('string');
    expect(typeof requests?.memory).toBe('string');
    expect(typeof limits?.memory).toBe('string');
  });

  it('runs as non-root on a read-only root filesystem with no capabilities', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('keeps the console history on a writable emptyDir', () => {
    const mount = container.volumeMounts?.find((m) => env.PARKING_HISTORY!.startsWith(`${m.mountPath}/`));
    expect(mount).toBeDefined();
    expect(pod.volumes?.find((v) => v.name === mount?.name)?.emptyDir).toBeDefined();
  });

  it('lists every container image with a tag', () => {
    for (const c of objects.flatMap(containersOf)) expect(String(c.image)).toMatch(/^parking:[\w.-]+$/);
  });
});

describe('the minikube overlay', () => {
  const objects = rendered['k8s/overlays/minikube']!;
  const container = appContainerOf(podSpecOf(objectOf(objects, 'StatefulSet', 'parking')));

  it('uses the image built into minikube, never pulled', () => {
    expect(container.image).toBe('parking:local');
    expect(container.imagePullPolicy).toBe('Never');
  });

  it('brings its own cookie Secret, so apply works on the first try', () => {
    const env = containerEnv(objects, container, POD);
    expect(env.PARKING_COOKIE!.length).toBeGreaterThanOrEqual(8);
  });
});

describe('the offline checks themselves', () => {
  it('catch a wrong type in the schema check', async () => {
    const sts = structuredClone(objectOf(rendered['k8s/base']!, 'StatefulSet', 'parking'));
    // The wrong type the check must catch (Object.assign does not check it against the spec's type).
    Object.assign(sts.spec!, { replicas: 'three' });
    expect((await schemaErrors([sts])).join('\n')).toMatch(/StatefulSet\/parking: .*replicas/);
  });

  it('catch a misspelt field deep in a pod template', () => {
    const sts = structuredClone(objectOf(rendered['k8s/base']!, 'StatefulSet', 'parking'));
    // The misspelling the check must catch: written through the untyped view of the container.
    const c = containersOf(sts)[0]!;
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
    expect(unknownFieldErrors([sts]).join('\n')).toMatch(/StatefulSet\/parking: .*readinesProbe/);
  });
});
