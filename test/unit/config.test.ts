import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONFIG_DIR, PRESETS, configDefaults, configKeys, configWarnings, envName, loadConfig } from '../../src/config/index.js';
import { SETTING_FLAGS } from '../../src/cli/start-command.js';
import { ConfigError, ErrorCodes } from '../../src/errors.js';
import { thrown } from '../support/thrown.js';

function failure(fn: () => unknown): ConfigError {
  const err = thrown<ConfigError>(fn);
  expect(err).toBeInstanceOf(ConfigError);
  return err;
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'parking-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('config', () => {
  it('gives the documented defaults with no flags, env or file', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({ gates: 4, spaces: 100, cluster: 'parking', port: null, discovery: 'mdns', host: '127.0.0.1' });
  });

  it('ranks flags over env over file over preset over defaults', () => {
    const file = tempFile('c.yaml', 'gates: 6\nspaces: 60\nport: 5000\n');
    const env = { PARKING_SPACES: '70', PARKING_PORT: '5001' };
    const config = loadConfig({ env, file, flags: { port: '5002' } });
    expect(config.gates).toBe(6);
    expect(config.spaces).toBe(70);
    expect(config.port).toBe(5002);
  });

  it('maps setting names to PARKING_ environment variables', () => {
    expect(envName('dnsName')).toBe('PARKING_DNS_NAME');
    expect(envName('heartbeatIntervalMs')).toBe('PARKING_HEARTBEAT_INTERVAL_MS');
    expect(loadConfig({ env: { PARKING_DNS_NAME: 'x.example' } }).dnsName).toBe('x.example');
  });

  it('splits comma-separated peer lists', () => {
    const config = loadConfig({ env: {}, flags: { discovery: 'static', peers: '127.0.0.1:4001, 127.0.0.1:4002' } });
    expect(config.peers).toEqual(['127.0.0.1:4001', '127.0.0.1:4002']);
  });

  it.each([
    [{ gates: '0' }, 'gates', 'must be >= 1'],
    [{ gates: '1.5' }, 'gates', 'must be an integer'],
    [{ gates: 'four' }, 'gates', 'must be a number'],
    [{ spaces: '-1' }, 'spaces', 'must be >= 1'],
    [{ port: '70000' }, 'port', ''],
    [{ discovery: 'carrier-pigeon' }, 'discovery', 'must be one of'],
    [{ cookie: 'short' }, 'cookie', 'at least 8'],
    [{ name: 'has space' }, 'name', 'letters'],
    [{ discovery: 'static', peers: 'nohostport' }, 'peers', 'host:port'],
    [{ discovery: 'static' }, 'peers', 'at least one peer'],
    [{ logLevel: 'loud' }, 'logLevel', 'must be one of'],
    [{ suspectTimeoutMs: '5000', failureTimeoutMs: '4000' }, 'suspectTimeoutMs', '<= failureTimeoutMs'],
  ])('rejects %o naming the field %s', (flags, field, message) => {
    const err = failure(() => loadConfig({ env: {}, flags }));
    expect(err.code).toBe(ErrorCodes.INVALID_CONFIG);
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
    expect(err.message).toContain(message);
  });

  it('rejects a bad environment variable naming the field', () => {
    expect(failure(() => loadConfig({ env: { PARKING_GATES: '0' } })).field).toBe('gates');
  });

  it('rejects unknown settings and unreadable files', () => {
    expect(failure(() => loadConfig({ env: {}, file: tempFile('c.yaml', 'gatez: 3\n') })).field).toBe('gatez');
    expect(failure(() => loadConfig({ env: {}, file: '/nonexistent/parking.yaml' })).field).toBe('config');
    expect(failure(() => loadConfig({ env: {}, file: tempFile('c.yaml', 'gates: [\n') })).field).toBe('config');
    expect(failure(() => loadConfig({ env: {}, file: tempFile('c.yaml', '- 1\n- 2\n') })).field).toBe('config');
    expect(failure(() => loadConfig({ env: {}, flags: { bogus: 1 } as never })).field).toBe('bogus');
  });

  it('reads JSON files too (JSON is YAML)', () => {
    expect(loadConfig({ env: {}, file: tempFile('c.json', '{"spaces": 12}') }).spaces).toBe(12);
  });

  it('warns about the public cookie in production and about short failure timeouts', () => {
    const config = loadConfig({ env: { PARKING_ENV: 'production' } });
    expect(configWarnings(config, 'production')).toEqual([expect.stringContaining('cookie')]);
    const twitchy = loadConfig({ env: {}, flags: { heartbeatIntervalMs: '500', failureTimeoutMs: '1000', suspectTimeoutMs: '600' } });
    expect(configWarnings(twitchy, 'development')).toEqual([expect.stringContaining('failureTimeoutMs')]);
  });
});

describe('config from Kubernetes service links', () => {
  it('ignores PARKING_PORT=tcp://... injected for a Service named parking', () => {
    expect(loadConfig({ env: { PARKING_PORT: 'tcp://10.0.0.1:4000' } }).port).toBeNull();
  });
});

describe('defaults of a run', () => {
  it('sit above config/default.yaml and below a file, the environment and flags', () => {
    expect(loadConfig({ env: {}, defaults: { logLevel: 'warn' } }).logLevel).toBe('warn');
    const file = tempFile('c.yaml', 'logLevel: debug\n');
    expect(loadConfig({ env: {}, file, defaults: { logLevel: 'warn' } }).logLevel).toBe('debug');
    expect(loadConfig({ env: { PARKING_LOG_LEVEL: 'error' }, defaults: { logLevel: 'warn' } }).logLevel).toBe('error');
  });
});

describe('presets', () => {
  it('Preset_DefaultIsLaptop_AndPARKING_ENVProductionSelectsKubernetes', () => {
    expect(loadConfig({ env: {} })).toMatchObject({ discovery: 'mdns', host: '127.0.0.1' });
    expect(loadConfig({ env: { PARKING_ENV: 'production' } })).toMatchObject({
      discovery: 'dns',
      host: '0.0.0.0',
      port: 4000,
      logFormat: 'json',
    });
    // NODE_ENV=test (set by test runners) does not select the test preset: only a name does.
    expect(loadConfig({ env: { NODE_ENV: 'test' } }).discovery).toBe('mdns');
  });

  it('Preset_ChosenByNameOrPARKING_PRESET_AndTheOptionWins', () => {
    expect(loadConfig({ env: { PARKING_PRESET: 'lan' } })).toMatchObject({ failureTimeoutMs: 5000, host: '0.0.0.0' });
    expect(loadConfig({ env: { PARKING_PRESET: 'lan', PARKING_ENV: 'production' }, preset: 'test' })).toMatchObject({
      discovery: 'none',
      port: 0,
      heartbeatIntervalMs: 100,
    });
  });

  it('Preset_FileEnvAndFlagsStillWinOverIt', () => {
    const file = tempFile('p.yaml', 'failureTimeoutMs: 4000\n');
    const config = loadConfig({ env: { PARKING_SPACES: '7' }, preset: 'lan', file, flags: { gates: 9 } });
    expect(config).toMatchObject({ failureTimeoutMs: 4000, spaces: 7, gates: 9, heartbeatIntervalMs: 1000 });
  });

  it('Preset_ChosenByTheConfigFile_BelowPARKING_PRESETAndTheOption', () => {
    const file = tempFile('p.yaml', 'preset: lan\nspaces: 12\n');
    expect(loadConfig({ env: {}, file })).toMatchObject({ failureTimeoutMs: 5000, spaces: 12 });
    expect(loadConfig({ env: { PARKING_PRESET: 'test' }, file })).toMatchObject({ failureTimeoutMs: 600, spaces: 12 });
    expect(loadConfig({ env: { PARKING_PRESET: 'test' }, file, preset: 'laptop' })).toMatchObject({ failureTimeoutMs: 3000, spaces: 12 });
    // The file's own settings still win over the preset it names.
    expect(loadConfig({ env: {}, file: tempFile('p.yaml', 'preset: lan\nfailureTimeoutMs: 4000\n') }).failureTimeoutMs).toBe(4000);
  });

  it('Preset_AnEmptyPARKING_PRESET_IsUnset', () => {
    expect(loadConfig({ env: { PARKING_PRESET: '', PARKING_ENV: 'production' } }).discovery).toBe('dns');
  });

  it.each([
    ['--preset', { env: {}, preset: 'cloud' }],
    ['PARKING_PRESET', { env: { PARKING_PRESET: 'cloud' } }],
    ['the config file', { env: {}, file: tempFile('p.yaml', 'preset: cloud\n') }],
  ])('Preset_AnUnknownNameFrom %s_IsAConfigErrorNamingTheFieldAndTheSource', (source, options) => {
    const err = failure(() => loadConfig(options));
    expect(err.code).toBe(ErrorCodes.INVALID_CONFIG);
    expect(err.field).toBe('preset');
    expect(err.message).toContain(`"cloud" (from ${source}) is not a preset: one of laptop, lan, kubernetes, test`);
  });

  it('Preset_ANonStringInTheConfigFile_IsAConfigErrorNamingThePreset', () => {
    expect(failure(() => loadConfig({ env: {}, file: tempFile('p.yaml', 'preset: [lan]\n') })).field).toBe('preset');
  });

  it('Preset_IsNotASettingOfAPresetFile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parking-config-'));
    mkdirSync(join(dir, 'presets'));
    copyFileSync(join(CONFIG_DIR, 'default.yaml'), join(dir, 'default.yaml'));
    writeFileSync(join(dir, 'presets', 'lan.yaml'), 'preset: test\n');
    expect(failure(() => loadConfig({ env: {}, configDir: dir, preset: 'lan' })).field).toBe('preset');
  });

  it('Preset_EveryFieldSaysWhatItTradesAway_InACommentAboveIt', () => {
    for (const preset of PRESETS) {
      const lines = readFileSync(join(CONFIG_DIR, 'presets', `${preset}.yaml`), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^[a-zA-Z]+:/.test(line)) expect(lines[i - 1], `${preset}.yaml: ${line}`).toMatch(/^#|^[a-zA-Z]+:/);
      });
      // ... and the comment block above each group of fields names a trade-off.
      const blocks = readFileSync(join(CONFIG_DIR, 'presets', `${preset}.yaml`), 'utf8')
        .split(/\n\n/)
        .slice(1);
      for (const block of blocks) expect(block, `${preset}.yaml`).toMatch(/Trades away/);
    }
  });

  it('Preset_EveryShippedPresetIsValidOnItsOwn', () => {
    for (const preset of PRESETS) expect(() => loadConfig({ env: {}, preset, flags: { peers: 'h:1' } })).not.toThrow();
  });
});

describe('one source of defaults', () => {
  const yaml = parseYaml(readFileSync(join(CONFIG_DIR, 'default.yaml'), 'utf8')) as Record<string, unknown>;

  it('config/default.yaml holds every setting, and configDefaults() is that file validated', () => {
    expect(Object.keys(yaml).sort()).toEqual([...configKeys].sort());
    for (const key of configKeys) expect(configDefaults()[key], key).toEqual(yaml[key]);
  });

  it("docs/config.md lists every setting with its environment variable and default.yaml's value", () => {
    const doc = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
    for (const key of configKeys) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row, `docs/config.md has no row for ${key}`).toBeDefined();
      const [, , , variable, shown] = row!.split('|').map((cell) => cell.trim());
      expect(variable).toBe(`\`${envName(key)}\``);
      const value = yaml[key];
      if (value === null) expect(shown, key).toMatch(/^empty/);
      else
        expect(/^`([^`]*)`/.exec(shown!)?.[1], key).toBe(typeof value === 'string' ? (value === '' ? '""' : value) : JSON.stringify(value));
    }
  });

  it("the start flags' help shows default.yaml's values where it names one", () => {
    for (const [, key, help] of SETTING_FLAGS) {
      // Only a plain value ("(default: 4)"), not prose ("(default: the host name, ...)").
      const shown = /\(default: ([\w.]+)\)/.exec(help)?.[1];
      const value = yaml[key];
      if (shown !== undefined && (typeof value === 'string' || typeof value === 'number')) expect(shown, key).toBe(String(value));
    }
  });
});
