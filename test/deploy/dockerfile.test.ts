/**
 * The Dockerfile and docker-compose.yml, checked offline: syntax (dockerfile-utils), practice
 * (dockerfilelint, configured by test/deploy/.dockerfilelintrc), and what the image promises.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { NON_SETTING_VARS, SETTING_VARS } from './support/manifest-env.js';
import { ROOT } from './support/paths.js';

const require = createRequire(import.meta.url);
const dockerfilelint = require('dockerfilelint') as {
  run(configDir: string, content: string): { line: number; rule: string; title: string }[];
};

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
// Instructions with continuation lines joined; comments dropped.
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
const stages = instructions
  .join('\n')
  .split(/^(?=FROM )/m)
  .slice(1);
const finalStage = stages.at(-1)!;

describe('Dockerfile', () => {
  it('has no syntax error', () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`)).toEqual(
      [],
    );
  });

  it('passes dockerfilelint', () => {
    const items = dockerfilelint.run(join(ROOT, 'test', 'deploy'), text);
    // dockerfilelint 1.8 matches options with /--\w+/, so it reads --start-period as an unknown
    // "--start" and calls the HEALTHCHECK invalid; Docker documents --start-period.
    const healthcheckLine = text.split('\n').findIndex((l) => l.startsWith('HEALTHCHECK')) + 1;
    const real = items.filter((i) => !(i.rule === 'invalid_format' && i.line === healthcheckLine));
    expect(real.map((i) => `${i.line}: ${i.rule} ${i.title}`)).toEqual([]);
  });

  it('has no syntax directive (the CI build cannot fetch a frontend)', () => {
    expect(text).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('builds from ARG NODE_IMAGE, a Node slim image by default, in two stages', () => {
    expect(instructions[0]).toMatch(/^ARG NODE_IMAGE=node:\d+-slim$/);
    expect(stages).toHaveLength(2);
    for (const stage of stages) expect(stage).toMatch(/^FROM \$\{NODE_IMAGE\}/);
    expect(stages[0]).toMatch(/npm ci/);
    expect(stages[0]).toMatch(/npm prune --omit=dev/);
  });

  it('runs as a numeric non-root user under an init process', () => {
    expect(finalStage).toMatch(/^USER 1000:1000$/m);
    expect(finalStage).toMatch(/^ENTRYPOINT \["tini", "--", "parking"\]$/m);
    expect(finalStage).toMatch(/^STOPSIGNAL SIGTERM$/m);
  });

  it('is a production node on port 4000 with parking on PATH', () => {
    expect(finalStage).toMatch(/PARKING_ENV=production/);
    const port = loadConfig({ env: { PARKING_ENV: 'production' } }).port;
    expect(finalStage).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    expect(finalStage).toMatch(/ln -s \/app\/dist\/src\/cli\/bin\.js \/usr\/local\/bin\/parking/);
  });

  it('sets only PARKING_* variables the node or the CLI reads', () => {
    const vars = [...finalStage.matchAll(/\b(PARKING_[A-Z_]+)=/g)].map((m) => m[1]!);
    expect(vars.length).toBeGreaterThan(0);
    expect(vars.filter((v) => !SETTING_VARS.has(v) && !NON_SETTING_VARS.has(v))).toEqual([]);
  });

  it('checks health on /healthz with node itself, not curl', () => {
    const healthcheck = instructions.find((l) => l.startsWith('HEALTHCHECK'))!;
    expect(healthcheck).toMatch(/CMD \["node", "-e", .*\/healthz/);
    expect(healthcheck).not.toMatch(/curl|wget/);
  });

  it('keeps node_modules, dist and .git out of the build context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    expect(ignore.filter((l) => /node_modules|dist|\.git/.test(l))).toEqual([]);
  });
});

describe('the variables that are not settings', () => {
  it('are each read somewhere in src/ (the allow-list cannot go stale)', () => {
    const sources = execFileSync('grep', ['-rhoE', 'PARKING_[A-Z_]+', join(ROOT, 'src')], { encoding: 'utf8' });
    for (const v of NON_SETTING_VARS) expect(sources.split('\n'), v).toContain(v);
  });
});

describe('docker-compose.yml', () => {
  // The fields of the compose service the tests read (the assertions below check their values).
  interface ComposeService {
    environment: Record<string, string>;
    ports?: string[];
    read_only?: boolean;
    cap_drop?: string[];
    tmpfs?: string[];
  }
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: { node: ComposeService } };
  const node = compose.services.node;
  // Compose's default for ${PARKING_COOKIE:-...}.
  const env = Object.fromEntries(Object.entries(node.environment).map(([k, v]) => [k, v.replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1')]));

  it('discovers the other replicas through Docker DNS by the service name', () => {
    expect(env).toMatchObject({ PARKING_DISCOVERY: 'dns', PARKING_DNS_NAME: 'node', PARKING_DNS_SERVERS: '127.0.0.11' });
  });

  it('sets only PARKING_* settings the node accepts', () => {
    expect(Object.keys(env).filter((k) => !SETTING_VARS.has(k) && !NON_SETTING_VARS.has(k))).toEqual([]);
    expect(loadConfig({ env: { ...env, PARKING_ENV: 'production', PARKING_ADVERTISE_HOST: '172.18.0.3' } })).toMatchObject({
      discovery: 'dns',
      dnsServers: ['127.0.0.11'],
      port: 4000,
    });
  });

  it('publishes no fixed host port, so --scale works', () => {
    expect(node.ports).toEqual(['4000']);
  });

  it('keeps the image hardening: read-only, no capabilities, writable /tmp', () => {
    expect(node).toMatchObject({ read_only: true, cap_drop: ['ALL'], tmpfs: ['/tmp'] });
  });
});
