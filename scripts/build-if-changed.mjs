// Before `npm start`: run the TypeScript build only when a source is newer than the last build.
// An incremental `tsc` with nothing to do still takes ~3 s on a 2-core machine (it loads and checks
// the whole program); comparing modification times takes a few ms. Any error or doubt builds.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['src', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs; // a deleted or renamed file changes its folder
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function upToDate() {
  try {
    const built = statSync(stamp).mtimeMs;
    return inputs.every((input) => newest(join(root, input)) < built);
  } catch {
    return false;
  }
}

if (!upToDate()) {
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  // Dated when the build began: a file saved while tsc ran is newer, so the next start builds again.
  utimesSync(stamp, started / 1000, started / 1000);
}
