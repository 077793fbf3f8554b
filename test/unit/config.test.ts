import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, envName, configWarnings } from '../../src/config/index.js';
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

  it('applies the production environment file when PARKING_ENV=production', () => {
    const config = loadConfig({ env: { PARKING_ENV: 'production' } });
    expect(config).toMatchObject({ discovery: 'dns', host: '0.0.0.0', port: 4000, logFormat: 'json' });
  });

  it('ranks flags over env over file over environment file over defaults', () => {
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

  it('Preset_AnUnknownName_IsAConfigErrorNamingThePreset', () => {
    const err = failure(() => loadConfig({ env: { PARKING_PRESET: 'cloud' } }));
    expect(err.code).toBe(ErrorCodes.INVALID_CONFIG);
    expect(err.message).toMatch(/preset.*"cloud".*laptop, lan, kubernetes, test/);
  });

  it('Preset_EveryShippedPresetIsValidOnItsOwn', () => {
    for (const preset of ['laptop', 'lan', 'kubernetes', 'test'])
      expect(() => loadConfig({ env: {}, preset, flags: { peers: 'h:1' } })).not.toThrow();
  });
});
