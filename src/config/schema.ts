/**
 * The shape of a node's configuration and the rules each value must follow. Values arrive as strings
 * from flags and the environment, so numbers are coerced here; the defaults live in
 * config/default.yaml (commented, with the trade-off of each setting).
 */
import { z } from 'zod';

const intInRange = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(min, { error: `must be >= ${min}` })
    .max(max, { error: `must be <= ${max}` });

const list = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      : v,
  z.array(z.string().min(1)),
);

const optionalString = z.preprocess((v) => (v === null || v === undefined ? '' : v), z.string());

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

export const configSchema = z
  .object({
    cluster: z.string().regex(/^[A-Za-z0-9._-]{1,63}$/, { error: 'must be 1-63 letters, digits, dots, dashes or underscores' }),
    name: optionalString.pipe(
      z.string().regex(/^$|^[A-Za-z0-9._-]{1,63}$/, { error: 'must be 1-63 letters, digits, dots, dashes or underscores' }),
    ),
    host: z.string().min(1, { error: 'must not be empty' }),
    advertiseHost: optionalString,
    port: z.preprocess(
      (v) => (v === '' ? null : v),
      z.union([z.null(), intInRange(0, 65535)], { error: 'must be an integer from 0 to 65535, or empty for 4000 and up' }),
    ),
    gates: intInRange(1, 1024),
    spaces: intInRange(1, 10_000_000),
    cookie: z.string().min(8, { error: 'must be at least 8 characters' }),
    discovery: z.enum(['mdns', 'dns', 'static', 'none'], { error: 'must be one of mdns, dns, static, none' }),
    peers: list.pipe(z.array(z.string().regex(hostPort, { error: 'each peer must be host:port' }))),
    mdnsInterface: optionalString,
    dnsName: z.string(),
    dnsSrv: optionalString,
    dnsServers: list,
    dnsIntervalMs: intInRange(50, 600_000),
    heartbeatIntervalMs: intInRange(10, 60_000),
    suspectTimeoutMs: intInRange(20, 600_000),
    failureTimeoutMs: intInRange(30, 600_000),
    antiEntropyIntervalMs: intInRange(50, 3_600_000),
    pushCoalesceMs: intInRange(0, 1_000),
    replicationAckTimeoutMs: intInRange(0, 60_000),
    commandDeadlineMs: intInRange(100, 600_000),
    maxPeerBufferedBytes: intInRange(64 * 1024, 1024 * 1024 * 1024),
    maxPeerMessageBytes: intInRange(64 * 1024, 1024 * 1024 * 1024),
    bodyLimitBytes: intInRange(256, 64 * 1024 * 1024),
    shutdownTimeoutMs: intInRange(100, 600_000),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
      error: 'must be one of trace, debug, info, warn, error, fatal, silent',
    }),
    logFormat: z.enum(['json', 'pretty', 'auto'], { error: 'must be one of json, pretty, auto' }),
  })
  .strict();

/** A validated node configuration. */
export type Config = z.infer<typeof configSchema>;

/** The names of every setting, in the order of config/default.yaml. */
export const configKeys = Object.keys(configSchema.shape) as (keyof Config)[];
