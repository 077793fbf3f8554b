/**
 * Running commands for the lab: every call has a timeout (no lab step may hang a test), and failures
 * carry the command line and its stderr so a broken setup says what broke.
 */
import { execFile, execFileSync } from 'node:child_process';

/** Result of a finished command. */
export interface ShResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Default bound of one lab command: creating links and tables takes milliseconds here. */
export const SH_TIMEOUT_MS = 10_000;

/** Runs `cmd args`; resolves with its code and output, never rejects (callers decide). */
export function sh(cmd: string, args: string[], timeoutMs = SH_TIMEOUT_MS): Promise<ShResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 124;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Runs `cmd args` and rejects, naming the command and its stderr, when it fails. */
export async function must(cmd: string, args: string[], timeoutMs = SH_TIMEOUT_MS): Promise<string> {
  const r = await sh(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`lab command failed (${r.code}): ${cmd} ${args.join(' ')}\n${r.stderr.trim()}`);
  return r.stdout;
}

/** Synchronous variant for exit and signal handlers, where nothing asynchronous runs any more. */
export function shSync(cmd: string, args: string[], timeoutMs = SH_TIMEOUT_MS): ShResult {
  try {
    const stdout = execFileSync(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout: String(stdout), stderr: '' };
  } catch (err) {
    const e = err as { status?: number; stdout?: Buffer; stderr?: Buffer };
    return { code: e.status ?? 124, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
  }
}

/** Resolves after `ms` (used only for the length of a fault or load phase, and poll intervals). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined, or throws after
 * `timeoutMs` with `what` and the last reason the probe gave (via `lastWhy`).
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 200,
  lastWhy?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastWhy ? `: ${lastWhy()}` : ''}`);
    await delay(intervalMs);
  }
}
