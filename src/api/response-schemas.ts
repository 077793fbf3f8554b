/**
 * The shapes of the API's answers (src/types.ts) as zod schemas, for `GET /openapi.json`. They
 * document; they do not filter: the server writes the node's answer as the node returned it (no
 * response validation, so a new field in src/types.ts cannot turn answers into 500s). A test checks
 * that real answers match these schemas (test/unit/api/openapi.test.ts).
 *
 * Each named schema carries an `id`, so the document lists it once under `components.schemas` and
 * the routes refer to it.
 */
import { z } from 'zod';
import { ErrorCodes } from '../errors.js';
import { EVENT_TYPES } from './events.js';

const epochMs = (what: string) => z.number().describe(`${what}, ms since the epoch`);

/** A car inside the lot. */
export const CarSchema = z
  .object({
    plate: z.string().describe('normalized plate, e.g. `ABC 123`'),
    gate: z.int().describe('the gate it entered by'),
    enteredAt: epochMs('entry time'),
    node: z.string().describe('the node whose gate worker recorded the entry'),
  })
  .meta({ id: 'Car' });

/** Answer to an exit. */
export const ExitResultSchema = z
  .object({
    car: CarSchema,
    gate: z.int().describe('the gate it left by (any gate may be used to leave)'),
    exitedAt: epochMs('exit time'),
    stayMs: z.number().describe('how long it stayed, ms'),
  })
  .meta({ id: 'ExitResult' });

/** Every car inside plus the counts. */
export const LotViewSchema = z
  .object({ spaces: z.int(), occupied: z.int(), free: z.int(), cars: z.array(CarSchema) })
  .meta({ id: 'LotView' });

/** One member as the answering node sees it. */
export const MemberViewSchema = z
  .object({
    name: z.string(),
    url: z.string(),
    status: z.enum(['alive', 'suspect', 'dead', 'left']),
    incarnation: z.string().optional().describe('per-process id: a restarted node has a new one'),
    since: epochMs('when the status last changed').optional(),
  })
  .meta({ id: 'MemberView' });

/** Members and gate owners as the answering node sees them. */
export const ClusterViewSchema = z
  .object({
    self: z.string(),
    members: z.array(MemberViewSchema),
    gates: z.array(
      z.object({
        gate: z.int(),
        node: z.string().nullable().describe('the node running the gate, null while no live node runs it'),
        since: epochMs('when this view gave the gate to that owner'),
      }),
    ),
  })
  .meta({ id: 'ClusterView' });

/** One node's own summary. */
export const NodeStatusSchema = z
  .object({
    name: z.string(),
    url: z.string(),
    cluster: z.string(),
    incarnation: z.string(),
    version: z.string(),
    uptimeMs: z.number(),
    ready: z.boolean(),
    spaces: z.int(),
    occupied: z.int(),
    free: z.int(),
    gates: z.int(),
    gatesOwned: z.array(z.int()).describe('gates whose worker runs on this node'),
    membersAlive: z.int().describe('members alive in this view, self included'),
  })
  .meta({ id: 'NodeStatus' });

/** The body of every error answer: branch on `code`, never on `message`. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(Object.values(ErrorCodes)),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional().describe('plain JSON; `field` names the offending field of a 400'),
    }),
  })
  .meta({ id: 'ErrorBody' });

/** `GET /healthz`. */
export const LivenessSchema = z.object({ ok: z.literal(true) });
/** `GET /healthz` when the process does not work. */
export const NotLiveSchema = z.object({ ok: z.literal(false), reason: z.string().optional() });
/** `GET /readyz`. */
export const ReadinessSchema = z.object({ ready: z.literal(true) });
/** `GET /readyz` while the node joins or stops. */
export const NotReadySchema = z.object({ ready: z.literal(false), reason: z.string() });

/** `GET /events?types=`: a comma-separated subset of the event names. */
export const EventsQuerySchema = z.object({
  types: z
    .string()
    .optional()
    .describe(`comma-separated subset of ${EVENT_TYPES.join(', ')}; all when absent`),
});
