/**
 * What the lab needs from this machine, checked once before any scenario (the suite's global setup,
 * `test/system/global-setup.ts`): root on Linux, and every command the lab runs, each with the Debian
 * package that provides it (`.ci/apt-system.txt` lists the same packages). A machine without them
 * fails at once with the packages to install and the command that installs them, instead of
 * "exec of nft failed" deep inside a scenario.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A command the lab runs, the Debian package that provides it, and what the lab uses it for. */
export interface Requirement {
  command: string;
  pkg: string;
  why: string;
}

/** Every command the lab runs (lab/*.ts), by package. */
export const REQUIREMENTS: readonly Requirement[] = [
  { command: 'ip', pkg: 'iproute2', why: 'namespaces, veth, bridge, routes' },
  { command: 'tc', pkg: 'iproute2', why: 'bandwidth limits (tbf)' },
  { command: 'nft', pkg: 'nftables', why: 'partitions, cuts, packet loss, SYN counters' },
  { command: 'dnsmasq', pkg: 'dnsmasq-base', why: 'the cluster DNS' },
  { command: 'unshare', pkg: 'util-linux', why: 'a UTS host name per node' },
  { command: 'nsenter', pkg: 'util-linux', why: "avahi-browse in the daemon's namespaces" },
  { command: 'mount', pkg: 'mount', why: "a private /run for avahi's host" },
  { command: 'avahi-daemon', pkg: 'avahi-daemon', why: 'an independent mDNS implementation' },
  { command: 'avahi-browse', pkg: 'avahi-utils', why: 'browsing through avahi' },
  { command: 'avahi-publish', pkg: 'avahi-utils', why: 'a decoy service through avahi' },
  { command: 'dbus-daemon', pkg: 'dbus', why: "avahi's private system bus" },
];

/** True when `command` can be run (found as an executable file). */
export type CommandLookup = (command: string) => boolean;

/** Looks `command` up in the directories of `path` (default: this process's PATH), as exec does. */
export function pathLookup(path = process.env.PATH ?? ''): CommandLookup {
  const dirs = path.split(delimiter).filter((d) => d !== '');
  return (command) =>
    dirs.some((dir) => {
      const file = join(dir, command);
      try {
        accessSync(file, constants.X_OK);
        return statSync(file).isFile();
      } catch {
        return false;
      }
    });
}

/** What the check found. */
export interface PrerequisiteCheck {
  ok: boolean;
  /** Problems other than packages (not root, not Linux). */
  problems: string[];
  /** Missing commands, each with its package. */
  missing: Requirement[];
  /** The packages to install, once each, in the order of {@link REQUIREMENTS}. */
  packages: string[];
  /** A readable report naming what is missing and the command that installs it (empty when ok). */
  message: string;
}

/** Checks the machine: `platform` and `uid` of this process, and every command through `lookup`. */
export function checkPrerequisites(
  lookup: CommandLookup = pathLookup(),
  platform: NodeJS.Platform = process.platform,
  uid: number | undefined = process.getuid?.(),
): PrerequisiteCheck {
  const problems: string[] = [];
  if (platform !== 'linux') problems.push(`the system tests need Linux (network namespaces); this is ${platform}`);
  else if (uid !== 0) problems.push('the system tests need root to create network namespaces (run as root, e.g. in CI)');
  const missing = platform === 'linux' ? REQUIREMENTS.filter((r) => !lookup(r.command)) : [];
  const packages = [...new Set(missing.map((r) => r.pkg))];
  const lines = [...problems];
  if (missing.length > 0) {
    lines.push(`the network lab needs Debian packages that are missing here: ${packages.join(' ')}`);
    for (const r of missing) lines.push(`  ${r.command.padEnd(14)} (${r.pkg}): ${r.why}`);
    lines.push(`install them with:  apt-get install -y ${packages.join(' ')}`);
    lines.push('(.ci/apt-system.txt lists every package of the suite; docs/system-tests.md says what each is for)');
  }
  return { ok: lines.length === 0, problems, missing, packages, message: lines.join('\n') };
}
