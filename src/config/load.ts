/**
 * Loads a node's configuration: flags > PARKING_* environment variables > --config file > the
 * preset (config/presets/<name>.yaml) > config/default.yaml. Validated once, here; the first bad
 * value is reported as a ConfigError naming the field (the CLI exits 2 on it).
 *
 * A preset (memberlist's DefaultLocalConfig / DefaultLANConfig idea) is a named overlay on the
 * defaults: `laptop`, `lan`, `kubernetes`, `test` (PRESETS). It is chosen with the same precedence
 * as a setting: --preset > PARKING_PRESET > `preset:` in the --config file; else by the environment
 * (PARKING_ENV, else NODE_ENV): `production` selects `kubernetes`, anything else `laptop`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { configKeys, configSchema, type Config } from './schema.js';

/**
 * The config/ folder shipped with the package: two levels up from src/config/ when run from source
 * (tests), three from dist/src/config/ when compiled.
 */
export const CONFIG_DIR = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromSource = join(here, '..', '..', 'config');
  return existsSync(join(fromSource, 'default.yaml')) ? fromSource : join(here, '..', '..', '..', 'config');
})();

export interface LoadConfigOptions {
  /** Values from command-line flags, by setting name (undefined = not given). */
  flags?: Partial<Record<keyof Config, unknown>>;
  /** Environment (default: process.env). */
  env?: Record<string, string | undefined>;
  /** A user file (YAML or JSON), from --config. */
  file?: string;
  /** Folder with default.yaml and presets/<name>.yaml (default: the package's config/). */
  configDir?: string;
  /** The preset, from --preset (default: PARKING_PRESET, else the file's, else the environment's). */
  preset?: string;
  /**
   * Defaults of this run, above config/default.yaml and below everything else (the console asks for
   * warn-level logs this way, so a config file or PARKING_LOG_LEVEL still wins).
   */
  defaults?: Partial<Record<keyof Config, unknown>>;
}

/** The shipped presets, each a file config/presets/<name>.yaml. */
export const PRESETS = ['laptop', 'lan', 'kubernetes', 'test'] as const;
export type PresetName = (typeof PRESETS)[number];

/**
 * The preset a run uses: the one asked for (--preset), else PARKING_PRESET, else `preset:` of the
 * --config file, else the environment's. Throws ConfigError naming `preset` for an unknown name.
 */
export function presetOf(env: Record<string, string | undefined>, asked?: string, fromFile?: unknown): PresetName {
  // An empty PARKING_PRESET is unset (as `PARKING_PRESET=${PRESET:-}` in a compose file gives).
  const fromEnv = env.PARKING_PRESET === '' ? undefined : env.PARKING_PRESET;
  const chosen: [unknown, string][] = [
    [asked, '--preset'],
    [fromEnv, 'PARKING_PRESET'],
    [fromFile, 'the config file'],
  ];
  const [name, source] = chosen.find(([value]) => value !== undefined) ?? [
    (env.PARKING_ENV ?? env.NODE_ENV) === 'production' ? 'kubernetes' : 'laptop',
    'the environment',
  ];
  if (typeof name !== 'string' || !(PRESETS as readonly string[]).includes(name))
    throw new ConfigError('preset', `${JSON.stringify(name)} (from ${source}) is not a preset: one of ${PRESETS.join(', ')}`);
  return name as PresetName;
}

/** `dnsName` -> `PARKING_DNS_NAME`. */
export function envName(key: string): string {
  return `PARKING_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** Reads a mapping of settings; `extraKeys` are allowed beside them (`preset` in a user's file). */
function readYaml(path: string, field: string, extraKeys: readonly string[] = []): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(field, `cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError(field, `${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(field, `${path} must hold a mapping of settings`);
  for (const key of Object.keys(parsed)) {
    if (!(configKeys as string[]).includes(key) && !extraKeys.includes(key)) throw new ConfigError(key, `unknown setting in ${path}`);
  }
  return parsed as Record<string, unknown>;
}

/** Builds and validates the configuration. Throws ConfigError naming the first bad field. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? CONFIG_DIR;
  const { preset: presetInFile, ...file } = options.file === undefined ? {} : readYaml(options.file, 'config', ['preset']);
  const preset = presetOf(env, options.preset, presetInFile);
  const merged: Record<string, unknown> = {
    ...readYaml(join(dir, 'default.yaml'), 'defaults'),
    ...options.defaults,
    ...readYaml(join(dir, 'presets', `${preset}.yaml`), 'preset'),
    ...file,
  };
  for (const key of configKeys) {
    const value = env[envName(key)];
    // Kubernetes service links inject PARKING_PORT=tcp://<ip>:<port> for a Service named "parking";
    // that is not our setting (the manifests set enableServiceLinks: false; other pods may not).
    if (key === 'port' && value !== undefined && /^tcp:\/\//.test(value)) continue;
    if (value !== undefined) merged[key] = value;
  }
  for (const [key, value] of Object.entries(options.flags ?? {})) {
    if (value === undefined) continue;
    if (!(configKeys as string[]).includes(key)) throw new ConfigError(key, 'unknown setting');
    merged[key] = value;
  }

  return validate(merged);
}

let defaults: Config | undefined;

/**
 * The values of config/default.yaml alone (no preset, environment, file or flags), validated and
 * read once: the fallback of a part built without a node's config (a transport or an API server in
 * a test), so that no default is written a second time in code.
 */
export function configDefaults(): Config {
  defaults ??= validate(readYaml(join(CONFIG_DIR, 'default.yaml'), 'defaults'));
  return defaults;
}

/** The schema, then the rules that relate settings; the first failure as a ConfigError naming the field. */
function validate(merged: Record<string, unknown>): Config {
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.length > 0 ? String(issue.path[0]) : 'config';
    throw new ConfigError(field, issue.message);
  }
  const config = result.data;
  if (config.suspectTimeoutMs > config.failureTimeoutMs) throw new ConfigError('suspectTimeoutMs', 'must be <= failureTimeoutMs');
  if (config.failureTimeoutMs < 2 * config.heartbeatIntervalMs)
    throw new ConfigError('failureTimeoutMs', 'must be at least twice heartbeatIntervalMs');
  if (config.discovery === 'static' && config.peers.length === 0)
    throw new ConfigError('peers', 'static discovery needs at least one peer');
  return config;
}

/** Risky-but-legal values: one warning each, logged by the node at start. */
export function configWarnings(config: Config, environment = process.env.PARKING_ENV ?? process.env.NODE_ENV ?? 'development'): string[] {
  const warnings: string[] = [];
  if (config.cookie === configDefaults().cookie && environment === 'production') {
    warnings.push('cookie is the public development default: set PARKING_COOKIE');
  }
  if (config.failureTimeoutMs < 4 * config.heartbeatIntervalMs) {
    warnings.push('failureTimeoutMs is under 4 heartbeats: a short pause may declare a live node dead');
  }
  if (config.replicationAckTimeoutMs === 0) {
    warnings.push('replicationAckTimeoutMs is 0: a write is acknowledged before any peer has it and may be lost with its node');
  }
  return warnings;
}
