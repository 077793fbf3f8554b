/**
 * The stand-in for `node:<lts>-slim`: there is no image registry here, so the deploy test builds a
 * base image from Debian packages (debootstrap minbase, with tini) plus this machine's node and
 * npm, and passes it to the Dockerfile as NODE_IMAGE. Like the Node images it has a `node` user
 * (uid 1000). It also trusts the machine's CA bundle: package downloads here go through a
 * TLS-inspecting proxy. The root filesystem is cached as a tarball named by a hash of everything
 * that goes into it, outside the repository; it is never committed.
 */
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { mustDocker } from './dockerd.js';
import { must } from './sh.js';

/** Where stand-in root filesystems are cached between runs. */
export const CACHE_DIR = process.env.PARKING_CI_CACHE ?? '/var/cache/parking-ci';
const SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';
const PACKAGES = ['tini'];
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
// Bump when the recipe below changes, so a stale cached tarball is not reused.
const RECIPE = 2;

function npmDir(): string {
  return dirname(dirname(realpathSync(join(dirname(process.execPath), 'npm'))));
}

/** The cache key: recipe, suite, packages, the node binary, npm's version and the CA bundle. */
export function baseImageKey(): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      RECIPE,
      SUITE,
      PACKAGES,
      npm: (JSON.parse(readFileSync(join(npmDir(), 'package.json'), 'utf8')) as { version: string }).version,
    }),
  );
  hash.update(readFileSync(process.execPath));
  if (existsSync(CA_BUNDLE)) hash.update(readFileSync(CA_BUNDLE));
  return hash.digest('hex').slice(0, 16);
}

async function buildRootfs(tarball: string): Promise<void> {
  const dir = `${tarball}.rootfs-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  try {
    await must('debootstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, dir, MIRROR], { timeoutMs: 300_000 });
    cpSync(process.execPath, join(dir, 'usr/local/bin/node'));
    cpSync(npmDir(), join(dir, 'usr/local/lib/node_modules/npm'), { recursive: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(dir, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(dir, 'usr/local/bin/npx'));
    if (existsSync(CA_BUNDLE)) cpSync(CA_BUNDLE, join(dir, 'etc/ssl/certs/ca-certificates.crt'));
    appendFileSync(join(dir, 'etc/group'), 'node:x:1000:\n');
    appendFileSync(join(dir, 'etc/passwd'), 'node:x:1000:1000::/home/node:/bin/bash\n');
    mkdirSync(join(dir, 'home/node'), { recursive: true });
    await must('chown', ['1000:1000', join(dir, 'home/node')]);
    // Slim like the real image: no apt lists, caches, docs or man pages.
    for (const p of ['var/lib/apt/lists', 'var/cache/apt', 'usr/share/doc', 'usr/share/man', 'usr/share/info']) {
      rmSync(join(dir, p), { recursive: true, force: true });
      mkdirSync(join(dir, p), { recursive: true });
    }
    await must('tar', ['-C', dir, '--numeric-owner', '-cf', `${tarball}.tmp`, '.'], { timeoutMs: 120_000 });
    renameSync(`${tarball}.tmp`, tarball);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${tarball}.tmp`, { force: true });
  }
}

/**
 * Makes sure the engine has the stand-in base image and returns its reference. Builds the root
 * filesystem only when the cache has none for the current key.
 */
export async function ensureBaseImage(): Promise<{ image: string; built: boolean; ms: number }> {
  const started = Date.now();
  const key = baseImageKey();
  const image = `parking-ci-base:${key}`;
  mkdirSync(CACHE_DIR, { recursive: true });
  const tarball = join(CACHE_DIR, `base-${key}.tar`);
  const built = !existsSync(tarball);
  if (built) await buildRootfs(tarball);
  writeFileSync(
    join(CACHE_DIR, 'README'),
    'Stand-in Node base images for parking test:deploy (test/deploy/support/base-image.ts). Safe to delete.\n',
  );
  await mustDocker(
    [
      'import',
      '--change',
      'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      'CMD ["node"]',
      tarball,
      image,
    ],
    { timeoutMs: 180_000 },
  );
  return { image, built, ms: Date.now() - started };
}
