/**
 * The real image, built and run as the minikube overlay runs it: a Docker engine started for the
 * test (support/dockerd.ts), a stand-in Node base image (support/base-image.ts), and three
 * containers as pods in a network lab whose dnsmasq plays the headless service
 * (support/pod-lab.ts). Each pod gets exactly the environment, arguments and hardening of the
 * rendered StatefulSet. Then: cars are tracked, the pod running gate 1 is killed, its gates move
 * and no car is lost; a recreated pod is complete as soon as it is ready; a pod stopped with SIGTERM
 * leaves gracefully; the set scales to 5 and back, and survives a rolling restart. Figures (image
 * size, build time, start to ready) are printed at the end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureBaseImage } from './support/base-image.js';
import { docker, mustDocker, startDockerd, type Dockerd } from './support/dockerd.js';
import { buildImage, IMAGE, runFlags } from './support/image.js';
import { objectsOf, podSpecOf } from './support/k8s-objects.js';
import { renderKustomization } from './support/kustomize.js';
import { ROOT } from './support/paths.js';
import { cleanLabLeftovers, PodLab, type Pod } from './support/pod-lab.js';
import { waitFor } from './support/sh.js';
import type { ClusterView, LotView, NodeStatus } from '../../src/types.js';

const objects = renderKustomization(join(ROOT, 'k8s/overlays/minikube'));
const sts = objectsOf(objects, 'StatefulSet')[0]!;
const podSpec = podSpecOf(sts);
const HEADLESS = `${String(sts.spec?.serviceName)}.default.svc.cluster.local`;
const figures: Record<string, string> = {};
let dockerd: Dockerd | undefined;
let lab: PodLab | undefined;
let baseImage = '';

async function startApp(pod: Pod): Promise<void> {
  lab!.publish(pod, HEADLESS);
  await mustDocker(['run', '-d', ...runFlags(pod, objects)]);
  running.add(pod);
}

/** `parking <args> --json` run inside the pod (the test never connects to a lab address itself). */
async function parking<T>(pod: Pod, ...args: string[]): Promise<T> {
  return JSON.parse(await mustDocker(['exec', pod.app, 'parking', ...args, '--json'])) as T;
}

/** Waits until the pod is ready with `members` alive; returns ms from `since`. */
async function ready(pod: Pod, members: number, since: number, timeoutMs = 30_000): Promise<number> {
  return waitFor(
    `${pod.name} ready with ${members} members`,
    async () => {
      const s = await parking<NodeStatus>(pod, 'status');
      return s.ready && s.membersAlive === members ? Date.now() - since : undefined;
    },
    timeoutMs,
    100,
  );
}

async function logsOf(pod: Pod): Promise<string> {
  const r = await docker(['logs', '--tail', '40', pod.app]);
  return `--- ${pod.name}\n${r.stdout}${r.stderr}`;
}

/** The plates inside the lot, as the test tracked them. */
const plates = Array.from({ length: 8 }, (_, i) => `CAR ${100 + i}`);

describe('the parking image in a pod lab', () => {
  beforeAll(async () => {
    // Leftovers of a crashed run: the lab's processes first, then its engine (startDockerd).
    cleanLabLeftovers();
    const t0 = Date.now();
    dockerd = await startDockerd();
    figures['engine start'] = `${Date.now() - t0} ms`;
    const base = await ensureBaseImage();
    baseImage = base.image;
    figures['stand-in base image'] = `${base.built ? 'built (debootstrap)' : 'from cache'} + import in ${(base.ms / 1000).toFixed(1)} s`;
  }, 420_000);

  afterAll(async () => {
    await lab?.close();
    await dockerd?.stop();
    console.log(['deploy figures:', ...Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`)].join('\n'));
  }, 60_000);

  it('builds from the Dockerfile on the stand-in Node base', async () => {
    const { ms, bytes, baseBytes } = await buildImage(baseImage);
    figures['image build (cold, no layer cache)'] = `${(ms / 1000).toFixed(1)} s`;
    figures['image size'] =
      `${(bytes / 1e6).toFixed(0)} MB (base ${(baseBytes / 1e6).toFixed(0)} MB + parking ${((bytes - baseBytes) / 1e6).toFixed(1)} MB)`;
    const config = JSON.parse(await mustDocker(['image', 'inspect', '-f', '{{json .Config}}', IMAGE])) as {
      User: string;
      ExposedPorts: object;
      StopSignal: string;
      Healthcheck: { Test: string[] };
      Env: string[];
    };
    expect(config.User).toBe('1000:1000');
    expect(Object.keys(config.ExposedPorts)).toEqual(['4000/tcp']);
    expect(config.StopSignal).toBe('SIGTERM');
    expect(config.Env).toContain('PARKING_ENV=production');
    // The entrypoint runs `parking` from PATH: arguments after the image name are its arguments.
    expect((await mustDocker(['run', '--rm', IMAGE, '--version'])).trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // The run stage holds production dependencies only.
    const dev = await docker(['run', '--rm', '--entrypoint', 'node', IMAGE, '-e', "require.resolve('vitest')"]);
    expect(dev.code).not.toBe(0);
  }, 480_000);

  it('runs three pods that find each other through the headless service and get ready', async () => {
    lab = await PodLab.create(baseImage);
    const started = Date.now();
    const created = await Promise.all([0, 1, 2].map((i) => lab!.addPod(`${sts.metadata.name}-${i}`)));
    const t0 = Date.now();
    await Promise.all(created.map((p) => startApp(p)));
    try {
      const times = await Promise.all(created.map((p) => ready(p, 3, t0)));
      figures['3 pods: docker run to all ready (joined, synced)'] = `${Math.max(...times)} ms (sandboxes ${t0 - started} ms before)`;
    } catch (err) {
      throw new Error(
        `${String(err)}\n${(await Promise.all(created.map(logsOf))).join('\n')}\nDNS: ${lab.published().join(', ')}\n${lab.dnsLog()}`,
        { cause: err },
      );
    }
    const whoami = await mustDocker(['exec', created[0]!.app, 'id', '-u']);
    expect(whoami.trim()).toBe('1000');
    const view = await parking<ClusterView>(created[0]!, 'gates');
    expect(view.members.map((m) => m.name).sort()).toEqual(['parking-0', 'parking-1', 'parking-2']);
    expect(view.gates.every((g) => g.node !== null)).toBe(true);
  }, 90_000);

  it('runs the docker-compose entrypoint, which advertises the container IP', async () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: { node: { entrypoint: string[] } } };
    const [tini, dashes, shell, flag, script] = compose.services.node.entrypoint;
    expect([tini, dashes, shell, flag]).toEqual(['tini', '--', 'sh', '-c']);
    // Compose turns $$ into $; `exec env` instead of starting a second node in the pod.
    const probe = script!.replace(/\$\$/g, '$').replace('exec parking start --no-repl', 'exec env');
    expect(script).toContain('exec parking start --no-repl');
    const pod = live()[0]!;
    expect(await mustDocker(['exec', pod.app, 'sh', '-c', probe])).toContain(`PARKING_ADVERTISE_HOST=${pod.ip}\n`);
  });

  it('is healthy by its own HEALTHCHECK (node, no curl)', async () => {
    const app = live()[0]!.app;
    await waitFor(
      'docker health status healthy',
      async () => ((await mustDocker(['inspect', '-f', '{{.State.Health.Status}}', app])).trim() === 'healthy' ? true : undefined),
      40_000,
      500,
    );
  }, 60_000);

  it('tracks cars entering by every gate through any pod', async () => {
    const [p0, p1, p2] = live() as [Pod, Pod, Pod];
    for (const [i, plate] of plates.entries()) {
      const via = [p0, p1, p2][i % 3]!;
      const car = await parking<{ plate: string; gate: number }>(via, 'track-entry', plate, String((i % 4) + 1));
      expect(car).toMatchObject({ plate, gate: (i % 4) + 1 });
    }
    await lotComplete();
  }, 60_000);

  it('moves the gates of a killed pod to the others and loses no car', async () => {
    const view = await parking<ClusterView>(live()[0]!, 'gates');
    const victim = lab!.pods.get(view.gates.find((g) => g.gate === 1)!.node!)!;
    const owned = view.gates.filter((g) => g.node === victim.name).map((g) => g.gate);
    const t0 = Date.now();
    await mustDocker(['kill', victim.app]);
    gone(victim);
    await gatesOnLivePods(owned);
    figures['SIGKILL to gates moved (seen by every survivor)'] = `${Date.now() - t0} ms`;
    await lotComplete();
    // Gate 1 works again, from either survivor.
    const [a, b] = live() as [Pod, Pod];
    await parking(a, 'track-entry', 'CAR 900', '1');
    await parking(b, 'track-exit', plates[0]!, '1');
    plates.push('CAR 900');
    plates.shift();
    await lotComplete();
  }, 60_000);

  it('recreates the killed pod, which rejoins and is ready only once caught up', async () => {
    const pod = [...lab!.pods.values()].find((p) => !running.has(p))!;
    const ms = await recreate(pod);
    figures['recreated pod: docker run to ready'] = `${ms} ms`;
  }, 60_000);

  it('stops gracefully on SIGTERM (docker stop, as kubectl delete pod) and hands its gates over', async () => {
    const view = await parking<ClusterView>(live()[0]!, 'gates');
    const victim = lab!.pods.get(view.gates.find((g) => g.gate === 2)!.node!)!;
    const owned = view.gates.filter((g) => g.node === victim.name).map((g) => g.gate);
    const t0 = Date.now();
    await stop(victim);
    figures['docker stop (SIGTERM, graceful leave)'] = `${Date.now() - t0} ms`;
    await gatesOnLivePods(owned);
    await lotComplete();
    await recreate(victim);
  }, 60_000);

  it('scales to 5 pods and back to 3 (SIGTERM to both at once: Parallel) with the lot intact', async () => {
    const added = await Promise.all([3, 4].map((i) => lab!.addPod(`${sts.metadata.name}-${i}`)));
    await Promise.all(added.map((p) => startApp(p)));
    await Promise.all(live().map((p) => ready(p, 5, Date.now())));
    await lotComplete();
    await gatesOnLivePods([1, 2, 3, 4]);
    await Promise.all(added.map((p) => stop(p)));
    await Promise.all(live().map((p) => ready(p, 3, Date.now())));
    await gatesOnLivePods([1, 2, 3, 4]);
    await lotComplete();
  }, 90_000);

  it('survives a rolling restart, highest ordinal first, each pod complete as soon as ready', async () => {
    const t0 = Date.now();
    for (const name of ['parking-2', 'parking-1', 'parking-0']) {
      const pod = lab!.pods.get(name)!;
      await stop(pod);
      await recreate(pod);
    }
    figures['rolling restart of 3 pods'] = `${Date.now() - t0} ms`;
    await gatesOnLivePods([1, 2, 3, 4]);
  }, 120_000);
});

/** Pods whose app container runs, as the test started and stopped them. */
const running = new Set<Pod>();
const live = (): Pod[] => [...running];

function gone(pod: Pod): void {
  running.delete(pod);
  lab!.unpublish(pod);
}

/** SIGTERM with the pod's grace period, as the kubelet does; the node must exit 0 after leaving. */
async function stop(pod: Pod): Promise<void> {
  gone(pod);
  await mustDocker(['stop', '-t', String(podSpec.terminationGracePeriodSeconds), pod.app]);
  expect((await mustDocker(['inspect', '-f', '{{.State.ExitCode}}', pod.app])).trim()).toBe('0');
  const out = await docker(['logs', pod.app]);
  expect(out.stdout + out.stderr).toMatch(/"msg":"node stopped"/);
}

/** Replaces the pod's app container (same name and IP, as a StatefulSet does); ms to ready. */
async function recreate(pod: Pod): Promise<number> {
  await mustDocker(['rm', '-f', pod.app]);
  const t0 = Date.now();
  await startApp(pod);
  const ms = await ready(pod, running.size, t0);
  // Ready means caught up: the lot is already complete when /readyz first says yes.
  expect((await parking<LotView>(pod, 'read')).cars.map((c) => c.plate).sort()).toEqual([...plates].sort());
  return ms;
}

/** Every live pod sees exactly the tracked cars (after replication settles). */
async function lotComplete(): Promise<void> {
  for (const p of live()) {
    await waitFor(
      `${p.name} to hold exactly the tracked cars`,
      async () => {
        const cars = (await parking<LotView>(p, 'read')).cars.map((c) => c.plate).sort();
        return JSON.stringify(cars) === JSON.stringify([...plates].sort()) ? true : undefined;
      },
      10_000,
      100,
    );
  }
}

/** Every live pod places each of `gates` on a live pod. */
async function gatesOnLivePods(gates: number[]): Promise<void> {
  const names = new Set(live().map((p) => p.name));
  for (const p of live()) {
    await waitFor(
      `${p.name} to place gates ${gates.join(',')} on live pods`,
      async () => {
        const v = await parking<ClusterView>(p, 'gates');
        return gates.every((g) => names.has(v.gates.find((x) => x.gate === g)?.node ?? '')) ? true : undefined;
      },
      15_000,
      100,
    );
  }
}
