/**
 * The lot as a Yjs document, laid out as an observed-remove (add-wins) map of visits.
 *
 * Root `v: Y.Map<Uint8Array>` (the visits) is keyed by a visit id that is unique in the whole
 * history of the cluster (`<clientID>.<counter>` in base 36: the Yjs clientID of this process's
 * document, which Yjs requires to be unique, and a count of this document's entries). A key is
 * written once, by the entry, and deleted at most once, by an exit. So two replicas never `set` the
 * same key, and the Y.Map rule "concurrent sets of one key: the higher clientID wins" never comes
 * into play: an exit deletes exactly the visit items it observed, and a visit created concurrently
 * elsewhere has a key the exit never saw, so it survives. A plate is inside when it has at least one
 * live visit. docs/data-model.md explains every concurrent case.
 *
 * Each value is the visit's record in a few bytes (visit-codec.ts). The plate -> visits index is
 * derived, kept up to date by an observer, so reads are O(1) whatever the origin of a change (local
 * transaction, peer update, sync).
 */
import { EventEmitter } from 'node:events';
import * as random from 'lib0/random';
import * as Y from 'yjs';
import type { Car, ExitResult } from '../types.js';
import { decodeExitRecord, encodeExitRecord, EXIT_LOG_KEY, EXIT_LOG_LIMIT, EXIT_LOG_PRUNE, type ExitRecord } from './exit-record.js';
import { decodeVisit, encodeVisit, requestTag, type VisitRecord } from './visit-codec.js';

export { decodeVisit, encodeVisit, requestTag, type VisitRecord } from './visit-codec.js';

/**
 * Entries remembered by request tag for idempotent retries (about 60 bytes each). A retry comes within
 * commandDeadlineMs of its first attempt, so this covers that window at over 10,000 entries a second.
 */
export const SEEN_TAGS_LIMIT = 100_000;

/**
 * Name of the root map of visits. One letter: Yjs writes the root's name into every entry it
 * pushes (and into every visit of the document), so `visits` would cost 5 bytes more per entry.
 */
export const VISITS_KEY = 'v';

export interface ChangeInfo {
  /** True when the change was made by this replica (not applied from a peer). */
  local: boolean;
  /** The transaction origin (a peer name for remote changes). */
  origin: unknown;
  /**
   * A local change's decision time (ms since the epoch: the entry's enteredAt, the exit's exitedAt).
   * The event itself may come later: a process stopped (SIGSTOP, a suspended VM) between its
   * decision and the end of the transaction emits the event after it resumes.
   */
  decidedAt?: number;
  /** The request tag (hex) of the entry behind the car of the event, when it has one. */
  req?: string;
}

/** The origin of a local transaction of an entry or an exit: when it was decided. */
export class LocalDecision {
  constructor(readonly at: number) {}
}

export interface LotDocumentEvents {
  /** A plate went from no live visit to one. */
  'car:entered': [Car, ChangeInfo];
  /** A plate's last live visit was removed. */
  'car:left': [Car, ChangeInfo];
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** A request tag (8 characters, one a byte) in hex. */
function tagHex(tag: string): string {
  let hex = '';
  for (let i = 0; i < tag.length; i++) hex += HEX[tag.charCodeAt(i) & 0xff]!;
  return hex;
}

/** Adds to a memory of request tags, forgetting the oldest past SEEN_TAGS_LIMIT. */
function remember<T>(memory: Map<string, T>, tag: string, value: T): void {
  // Seen again: the newest again (an entry's tag read back from its exit outlives the entry's age).
  memory.delete(tag);
  memory.set(tag, value);
  if (memory.size > SEEN_TAGS_LIMIT) memory.delete(memory.keys().next().value as string);
}

function toCar(record: VisitRecord): Car {
  return { plate: record.plate, gate: record.gate, enteredAt: record.enteredAt, node: record.node };
}

/** Whether visit `a` is a later attempt of the command that made `b` (same request tag; ties: the greater id). */
function laterAttempt(a: [string, VisitRecord], b: [string, VisitRecord]): boolean {
  if (a[1].req === undefined || a[1].req !== b[1].req || a[0] === b[0]) return false;
  return a[1].enteredAt > b[1].enteredAt || (a[1].enteredAt === b[1].enteredAt && a[0] > b[0]);
}

/**
 * The visit a plate shows: the earliest entry wins the display, ties broken by visit id so every
 * replica shows the same car. Visits carrying one request tag are attempts of one command (an owner
 * that applied it and then stalled, and the owner that applied the retry without seeing that): they
 * stand for one visit, the latest attempt, which is the one that can have been acknowledged (an
 * acknowledged first attempt is on every live replica, so a retry finds it instead of applying again).
 */
function representative(visits: Map<string, VisitRecord>): [string, VisitRecord] | undefined {
  let best: [string, VisitRecord] | undefined;
  for (const entry of visits) {
    let superseded = false;
    for (const other of visits) if (laterAttempt(other, entry)) superseded = true;
    if (superseded) continue;
    if (best === undefined || entry[1].enteredAt < best[1].enteredAt || (entry[1].enteredAt === best[1].enteredAt && entry[0] < best[0]))
      best = entry;
  }
  return best;
}

/** The origin of the transaction that deletes the late attempts of commands already exited. */
const STALE_ATTEMPT_CLEANUP = Symbol('stale attempt cleanup');

export interface LotDocumentOptions {
  /** An existing document (tests); default: a fresh Y.Doc, so a fresh random clientID per process. */
  doc?: Y.Doc;
  /** Exit records kept, and how many are dropped at once past that (defaults: EXIT_LOG_LIMIT, EXIT_LOG_PRUNE). */
  exitLog?: { limit: number; prune: number };
}

/** What an exit answered, remembered by its request tag (exit-record.ts). */
export interface PastExit {
  plate: string;
  value: ExitResult;
  /** The id of the visit whose car `value` reports. */
  visit: string;
}

/** The exit an exit record stands for: its car is the earliest of the visits it removed. */
function pastExitOf(record: ExitRecord): PastExit | undefined {
  const rep = representative(new Map(record.removed));
  if (rep === undefined) return undefined;
  const car = toCar(rep[1]);
  return {
    plate: car.plate,
    visit: rep[0],
    value: { car, gate: record.gate, exitedAt: record.exitedAt, stayMs: Math.max(0, record.exitedAt - car.enteredAt) },
  };
}

/** An exit to record in the exit log (exit-record.ts) beside the visits it removes. */
export interface ExitStamp {
  /** The exit's request id. */
  req: string;
  gate: number;
  exitedAt: number;
}

export class LotDocument extends EventEmitter<LotDocumentEvents> {
  readonly doc: Y.Doc;
  private readonly visits: Y.Map<Uint8Array>;
  /** The exit log: one record per exit, so a replayed command is recognised after its visit is gone. */
  private readonly exits: Y.Array<Uint8Array>;
  /** Exits seen in the exit log, by request tag (the last SEEN_TAGS_LIMIT). */
  private readonly seenExits = new Map<string, PastExit>();
  private readonly exitLog: { limit: number; prune: number };
  private readonly byPlate = new Map<string, Map<string, VisitRecord>>();
  /** Request tags of entries this replica has seen, live or since left: idempotent retries. */
  private readonly seenTags = new Map<string, Car>();
  /** Entry tags whose visit an exit removed (the exit log): a visit carrying one arrives dead. */
  private readonly exitedTags = new Map<string, string>();
  /** Visits to delete: attempts of commands whose visit was exited (see index). */
  private readonly staleAttempts = new Set<string>();
  private cleanupScheduled = false;
  private destroyed = false;
  /** The record of the exit this replica writes in the transaction under way (leave). */
  private localExit: ExitRecord | undefined;
  /** Plates changed by the transaction under way, with the car each showed before it (undefined: out). */
  private touched: Map<string, VisitRecord | undefined> | undefined;
  private counter = 0;
  /** Client ids seen in peers' state vectors before this replica's first write. */
  private readonly peerClients = new Set<number>();
  private wrote = false;

  constructor(options: LotDocumentOptions = {}) {
    super();
    this.doc = options.doc ?? new Y.Doc({ gc: true });
    this.exitLog = options.exitLog ?? { limit: EXIT_LOG_LIMIT, prune: EXIT_LOG_PRUNE };
    this.visits = this.doc.getMap<Uint8Array>(VISITS_KEY);
    this.exits = this.doc.getArray<Uint8Array>(EXIT_LOG_KEY);
    this.exits.forEach((stored) => this.indexExit(stored));
    this.visits.forEach((stored, id) => this.index(id, stored));
    this.touched = undefined;
    this.visits.observe((event) => this.onChange(event));
    // Exit records are read from the transaction's new structs, not from the array's event: its
    // `changes`/`delta` walk the whole array (50,000 records) at every exit. Then events are emitted
    // once per transaction, from the plates' state before and after it, so a visit that arrives with
    // the exit of its command (or with its record in the exit log) shows no entry and exit at all.
    this.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      const local = this.localExit;
      this.localExit = undefined;
      // This replica's own exit: its record is at hand (one per local transaction, see leave).
      if (local !== undefined) this.indexExitRecord(local);
      else if ([...transaction.changed.keys()].includes(this.exits))
        for (const stored of this.insertedExitRecords(transaction)) this.indexExit(stored);
      this.emitChanges(transaction);
    });
  }

  /** Cars inside: plates with at least one live visit. */
  get occupied(): number {
    return this.byPlate.size;
  }

  /**
   * The car inside with this plate (its earliest live visit), if any; given `only`, the car among
   * those of its live visits whose id is listed (what an exit retried for a client may remove).
   */
  carOf(plate: string, only?: readonly string[]): Car | undefined {
    return this.shownVisit(plate, only)?.car;
  }

  /** The visit behind {@link carOf}, with its id: which visit an exit would report. */
  shownVisit(plate: string, only?: readonly string[]): { id: string; car: Car } | undefined {
    const visits = this.byPlate.get(plate);
    const among = visits === undefined || only === undefined ? visits : new Map([...visits].filter(([id]) => only.includes(id)));
    const rep = among === undefined ? undefined : representative(among);
    return rep === undefined ? undefined : { id: rep[0], car: toCar(rep[1]) };
  }

  /** The record of the visit a plate shows (with its request tag), if it is inside. */
  private shownRecord(plate: string): VisitRecord | undefined {
    const visits = this.byPlate.get(plate);
    return visits === undefined ? undefined : representative(visits)?.[1];
  }

  /** The live visits of a plate (more than one only after concurrent entries, see data-model.md). */
  visitsOf(plate: string): Array<[string, VisitRecord]> {
    return [...(this.byPlate.get(plate) ?? [])];
  }

  /** Every car inside, by entry time then plate. */
  cars(): Car[] {
    const cars: Car[] = [];
    for (const visits of this.byPlate.values()) {
      const rep = representative(visits);
      if (rep !== undefined) cars.push(toCar(rep[1]));
    }
    return cars.sort((a, b) => a.enteredAt - b.enteredAt || (a.plate < b.plate ? -1 : a.plate > b.plate ? 1 : 0));
  }

  /**
   * Client ids a peer's state vector holds (its step 1): checked against ours before our first write.
   */
  /** Whether this replica has made a write (its clientID is then fixed). */
  get hasWritten(): boolean {
    return this.wrote;
  }

  notePeerClients(ids: Iterable<number>): void {
    if (this.wrote) return;
    for (const id of ids) this.peerClients.add(id);
  }

  /**
   * Before the first write: a clientID already used by any replica this one has heard of (in this
   * document, or in a peer's state vector) is replaced by a fresh one. Yjs requires a clientID to be
   * unique over the whole history: two writers with one id make structs with the same ids, and a
   * replica that has one of them ignores the other as already known, so the replicas diverge for good,
   * silently. A random 32-bit id collides with one of the ~10,000 ids of a long-lived cluster's history
   * about once in 400,000 starts; this check makes that a non-event. (Yjs itself changes the id only
   * when a peer's update moves our own state, which a collision on the same clocks never does.)
   */
  private ensureFreshClientId(): void {
    const used = (id: number): boolean => this.doc.store.clients.has(id) || this.peerClients.has(id);
    // lib0's uint32 is what Yjs draws a new document's clientID with.
    while (used(this.doc.clientID)) this.doc.clientID = random.uint32();
    this.wrote = true;
    this.peerClients.clear();
  }

  /** Records a new visit in one local transaction; returns its id. */
  enter(car: Car, req?: string): string {
    if (!this.wrote) this.ensureFreshClientId();
    // The Yjs clientID is unique per live document by Yjs's own contract (reusing one corrupts the
    // document), so it makes a short, unique visit-id prefix: a few bytes per visit on the wire.
    const id = `${this.doc.clientID.toString(36)}.${(this.counter++).toString(36)}`;
    const record: VisitRecord = req === undefined ? { ...car } : { ...car, req: requestTag(req) };
    this.doc.transact(() => this.visits.set(id, encodeVisit(record)), new LocalDecision(car.enteredAt));
    return id;
  }

  /**
   * Removes the live visits of the plate that this replica has observed (or, given `only`, those of
   * them whose id is listed: an exit retried for a client removes what was observed when the client
   * asked, never a visit that came later); returns them.
   */
  leave(plate: string, only?: readonly string[], exit?: ExitStamp): Array<[string, VisitRecord]> {
    const observed = only === undefined ? this.visitsOf(plate) : this.visitsOf(plate).filter(([id]) => only.includes(id));
    if (observed.length > 0) {
      const stored = new Map<string, Uint8Array>();
      if (exit !== undefined)
        for (const [id] of observed) {
          const bytes = this.visits.get(id);
          if (bytes !== undefined) stored.set(id, bytes);
        }
      this.doc.transact(
        () => {
          for (const [id] of observed) this.visits.delete(id);
          if (exit === undefined) return;
          // In the same transaction: a replica that has the removal has the record too.
          // At the front: Y.Array's push walks the whole list to its end at every call (deleted
          // records included), an insert at 0 does not. So the log runs newest first, and pruning
          // drops its tail (one walk per `prune` exits).
          const record: ExitRecord = { tag: requestTag(exit.req), gate: exit.gate, exitedAt: exit.exitedAt, removed: observed };
          this.exits.insert(0, [encodeExitRecord({ ...record, stored })]);
          this.localExit = record;
          const { limit, prune } = this.exitLog;
          const length = this.exits.length;
          if (length > limit) {
            const drop = Math.min(prune, length - 1);
            this.exits.delete(length - drop, drop);
          }
        },
        exit === undefined ? null : new LocalDecision(exit.exitedAt),
      );
    }
    return observed;
  }

  /**
   * The first answer of the exit `req`, if this replica has seen it applied (the last SEEN_TAGS_LIMIT
   * exits, from the exit log): a replayed exit is answered, never applied to a car that entered since.
   */
  exitedBy(req: string): PastExit | undefined {
    return this.seenExits.get(requestTag(req));
  }

  /** Exit records in the document (bounded by EXIT_LOG_LIMIT plus one prune step). */
  get exitLogLength(): number {
    return this.exits.length;
  }

  /**
   * The car entered by the request `req`, if this replica has seen that entry, whether the car is
   * still inside or not (the last SEEN_TAGS_LIMIT entries): an entry retried after its answer was
   * lost is answered, not applied again.
   */
  enteredBy(req: string): Car | undefined {
    return this.seenTags.get(requestTag(req));
  }

  /**
   * Whether this replica has seen the visit `id` at all, live or removed. Yjs keeps a removed map
   * entry's item (its content dropped) in the map's internal `_map` (yjs 13: `YMap._map`, where
   * `has()` filters deleted items), so "removed" and "never seen" can be told apart: an exit retried
   * at a new owner may answer "already removed" only for visits the owner's state includes.
   * test/unit/crdt/lot-document.test.ts pins this on the installed Yjs.
   */
  knowsVisit(id: string): boolean {
    return (this.visits as unknown as { _map: Map<string, unknown> })._map.has(id);
  }

  /** Every live visit, for tests and checkers: visit id -> record. */
  liveVisits(): Map<string, VisitRecord> {
    const all = new Map<string, VisitRecord>();
    for (const visits of this.byPlate.values()) for (const [id, record] of visits) all.set(id, record);
    return all;
  }

  destroy(): void {
    this.destroyed = true;
    this.doc.destroy();
    this.removeAllListeners();
  }

  /** Notes the car a plate shows before the transaction under way changes it. */
  private touch(plate: string): void {
    this.touched ??= new Map();
    if (!this.touched.has(plate)) this.touched.set(plate, this.shownRecord(plate));
  }

  private index(id: string, stored: unknown): void {
    // A peer could send a structurally valid update with a malformed value; it must not poison reads.
    const record = decodeVisit(stored);
    if (record === undefined) return;
    // Another attempt of an entry whose visit an exit already removed (an owner that applied it, then
    // stalled or was cut off, while the retry was applied elsewhere and the car left): the command
    // was applied, and exited. It never shows, and it is deleted for good.
    if (record.req !== undefined && this.exitedTags.get(record.req) === record.plate) return this.dropStaleAttempt(id);
    this.touch(record.plate);
    let visits = this.byPlate.get(record.plate);
    if (visits === undefined) {
      visits = new Map();
      this.byPlate.set(record.plate, visits);
    }
    visits.set(id, record);
    if (record.req !== undefined) this.rememberEntry(record.req, toCar(record));
  }

  /** The exit records a transaction appended: its new items in the exit log, in clock order per client. */
  private insertedExitRecords(transaction: Y.Transaction): unknown[] {
    const records: unknown[] = [];
    transaction.afterState.forEach((after, client) => {
      const before = transaction.beforeState.get(client) ?? 0;
      const structs = this.doc.store.clients.get(client);
      if (after <= before || structs === undefined) return;
      for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
        const struct = structs[i]!;
        if (struct.id.clock >= after) break;
        if (struct.id.clock < before || !(struct instanceof Y.Item) || struct.deleted) continue;
        if (struct.parent === (this.exits as unknown)) records.push(...(struct.content.getContent() as unknown[]));
      }
    });
    return records;
  }

  /**
   * Remembers the car an entry request made. Of two attempts of one command the later one is the
   * answer (the car the plate shows, see representative), whichever arrived here first.
   */
  private rememberEntry(tag: string, car: Car): void {
    const known = this.seenTags.get(tag);
    const later = known !== undefined && known.plate === car.plate && known.enteredAt > car.enteredAt;
    remember(this.seenTags, tag, later ? known : car);
  }

  /** Remembers an exit record's request tags: the exit's, and each removed visit's entry. */
  private indexExit(stored: unknown): void {
    const record = decodeExitRecord(stored);
    if (record !== undefined) this.indexExitRecord(record);
  }

  private indexExitRecord(record: ExitRecord): void {
    const past = pastExitOf(record);
    if (past !== undefined) remember(this.seenExits, record.tag, past);
    const removed = new Set(record.removed.map(([id]) => id));
    for (const [, visit] of record.removed) {
      if (visit.req === undefined) continue;
      this.rememberEntry(visit.req, toCar(visit));
      remember(this.exitedTags, visit.req, visit.plate);
      // Another attempt of that entry, live here but not seen by the exit: exited with it.
      for (const [id, other] of this.byPlate.get(visit.plate) ?? []) {
        if (other.req !== visit.req || removed.has(id)) continue;
        this.unindex(id, visit.plate);
        this.dropStaleAttempt(id);
      }
    }
  }

  /** Drops a visit from the index (given its plate). */
  private unindex(id: string, plate: string): void {
    const visits = this.byPlate.get(plate);
    if (visits === undefined || !visits.has(id)) return;
    this.touch(plate);
    visits.delete(id);
    if (visits.size === 0) this.byPlate.delete(plate);
  }

  /** Deletes a stale attempt from the document, soon (not inside the observer that found it). */
  private dropStaleAttempt(id: string): void {
    this.staleAttempts.add(id);
    if (this.cleanupScheduled) return;
    this.cleanupScheduled = true;
    queueMicrotask(() => {
      this.cleanupScheduled = false;
      const ids = [...this.staleAttempts].filter((staleId) => this.visits.has(staleId));
      this.staleAttempts.clear();
      if (this.destroyed || ids.length === 0) return;
      // A delete makes no new struct (no clientID is used): any replica may do it, and concurrent
      // deletes of one visit merge into one.
      this.doc.transact(() => {
        for (const staleId of ids) this.visits.delete(staleId);
      }, STALE_ATTEMPT_CLEANUP);
    });
  }

  private onChange(event: Y.YMapEvent<Uint8Array>): void {
    // changes.keys must be read inside the observer (Yjs computes it lazily from the transaction).
    event.changes.keys.forEach((change, id) => {
      if (change.action === 'delete' || change.action === 'update') {
        const old = decodeVisit(change.oldValue as unknown);
        if (old !== undefined) this.unindex(id, old.plate);
      }
      if (change.action === 'add' || change.action === 'update') this.index(id, this.visits.get(id));
    });
  }

  /** After a transaction: car:entered for each plate it brought in, car:left for each it took out. */
  private emitChanges(transaction: Y.Transaction): void {
    const touched = this.touched;
    this.touched = undefined;
    if (touched === undefined) return;
    const { local } = transaction;
    const origin: unknown = transaction.origin;
    const info: ChangeInfo = origin instanceof LocalDecision ? { local, origin, decidedAt: origin.at } : { local, origin };
    const infoOf = (record: VisitRecord): ChangeInfo => (record.req === undefined ? info : { ...info, req: tagHex(record.req) });
    const left: VisitRecord[] = [];
    for (const [plate, before] of touched) {
      const after = this.shownRecord(plate);
      if (before === undefined && after !== undefined) this.emit('car:entered', toCar(after), infoOf(after));
      else if (before !== undefined && after === undefined) left.push(before);
    }
    for (const record of left) this.emit('car:left', toCar(record), infoOf(record));
  }
}
