/**
 * The lab's prerequisite check: a machine without the lab's packages is told which packages to
 * install and how, before any scenario runs.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkPrerequisites, pathLookup, REQUIREMENTS } from '../lab/prerequisites.js';

const all = () => true;

describe('checkPrerequisites', () => {
  test('a Linux root machine with every command passes, with no message', () => {
    const r = checkPrerequisites(all, 'linux', 0);
    expect(r).toMatchObject({ ok: true, missing: [], packages: [], message: '' });
  });

  test('a missing command names its package and the apt-get command that installs it', () => {
    const r = checkPrerequisites((c) => c !== 'nft', 'linux', 0);
    expect(r.ok).toBe(false);
    expect(r.packages).toEqual(['nftables']);
    expect(r.message).toContain('nft');
    expect(r.message).toContain('apt-get install -y nftables');
  });

  test('a package is named once however many of its commands are missing', () => {
    const r = checkPrerequisites((c) => !c.startsWith('avahi-'), 'linux', 0);
    expect(r.packages).toEqual(['avahi-daemon', 'avahi-utils']);
    expect(r.message).toContain('apt-get install -y avahi-daemon avahi-utils');
  });

  test('with an empty PATH every package of the lab is asked for', () => {
    const r = checkPrerequisites(pathLookup(''), 'linux', 0);
    expect(r.missing.map((m) => m.command)).toEqual(REQUIREMENTS.map((m) => m.command));
    expect(r.message).toContain(`apt-get install -y ${[...new Set(REQUIREMENTS.map((m) => m.pkg))].join(' ')}`);
  });

  test('a user other than root is told to run as root', () => {
    const r = checkPrerequisites(all, 'linux', 1000);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/need root/);
  });

  test('another platform is told the lab needs Linux, without a package list', () => {
    const r = checkPrerequisites(all, 'darwin', 0);
    expect(r.ok).toBe(false);
    expect(r.packages).toEqual([]);
    expect(r.message).toMatch(/need Linux/);
  });

  test('every package the lab asks for is in .ci/apt-system.txt', () => {
    const listed = readFileSync(join(import.meta.dirname, '..', '..', '..', '.ci', 'apt-system.txt'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => l !== '');
    for (const r of REQUIREMENTS) expect(listed).toContain(r.pkg);
  });
});

describe('pathLookup', () => {
  test('finds an executable file in a PATH directory, and neither a plain file nor a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parking-prereq-'));
    try {
      writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
      chmodSync(join(dir, 'tool'), 0o755);
      writeFileSync(join(dir, 'plain'), '');
      const lookup = pathLookup(`/nonexistent:${dir}`);
      expect(lookup('tool')).toBe(true);
      expect(lookup('plain')).toBe(false);
      expect(lookup('missing')).toBe(false);
      expect(pathLookup(tmpdir())(dir.split('/').pop()!)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
