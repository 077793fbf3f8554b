import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeVisit, LotDocument, requestTag, VISITS_KEY } from '../../../src/crdt/lot-document.js';
import type { Car } from '../../../src/types.js';

const car = (plate: string, gate = 1, enteredAt = 1000, node = 'n1'): Car => ({ plate, gate, enteredAt, node });

/** Two-way full sync between documents, the way a sync step 1 / step 2 exchange does it. */
function sync(a: LotDocument, b: LotDocument): void {
  Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)), 'peer');
  Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc)), 'peer');
}

describe('LotDocument', () => {
  it('records a car inside and removes it on leave', () => {
    const lot = new LotDocument();
    lot.enter(car('ABC 1'));
    expect(lot.carOf('ABC 1')).toEqual(car('ABC 1'));
    expect(lot.occupied).toBe(1);
    expect(lot.leave('ABC 1')).toHaveLength(1);
    expect(lot.carOf('ABC 1')).toBeUndefined();
    expect(lot.occupied).toBe(0);
  });

  it('gives every visit a key never used before, across instances', () => {
    const a = new LotDocument();
    const b = new LotDocument();
    const ids = [a.enter(car('X')), a.enter(car('Y')), b.enter(car('X'))];
    expect(new Set(ids).size).toBe(3);
  });

  it('keeps an entry made concurrently with an exit elsewhere (add wins)', () => {
    const a = new LotDocument();
    const b = new LotDocument();
    a.enter(car('P', 1, 1));
    sync(a, b);
    // Partitioned: B sees the car leave and come back; A records the car leaving.
    b.leave('P');
    b.enter(car('P', 2, 5, 'nb'));
    a.leave('P');
    sync(a, b);
    expect(a.carOf('P')).toEqual(car('P', 2, 5, 'nb'));
    expect(b.carOf('P')).toEqual(a.carOf('P'));
  });

  it('shows a plate entered twice concurrently once, as its earliest visit, and one exit removes both', () => {
    const a = new LotDocument();
    const b = new LotDocument();
    a.enter(car('P', 1, 20, 'na'));
    b.enter(car('P', 3, 10, 'nb'));
    sync(a, b);
    expect(a.occupied).toBe(1);
    expect(a.carOf('P')).toEqual(car('P', 3, 10, 'nb'));
    expect(b.cars()).toEqual(a.cars());
    expect(a.visitsOf('P')).toHaveLength(2);
    a.leave('P');
    sync(a, b);
    expect(b.carOf('P')).toBeUndefined();
  });

  it('treats two concurrent exits of one car as one', () => {
    const a = new LotDocument();
    const b = new LotDocument();
    a.enter(car('P'));
    sync(a, b);
    expect(a.leave('P')).toHaveLength(1);
    expect(b.leave('P')).toHaveLength(1);
    sync(a, b);
    expect(a.occupied).toBe(0);
    expect(b.occupied).toBe(0);
  });

  it('stamps a local entry and exit with their decision time, and a change from a peer with none', () => {
    const a = new LotDocument();
    const b = new LotDocument();
    const seen: Array<[string, boolean, number | undefined]> = [];
    for (const lot of [a, b]) {
      lot.on('car:entered', (_car, info) => seen.push(['in', info.local, info.decidedAt]));
      lot.on('car:left', (_car, info) => seen.push(['out', info.local, info.decidedAt]));
    }
    a.enter(car('D', 1, 500));
    sync(a, b);
    a.leave('D', undefined, { req: 'x', gate: 1, exitedAt: 900 });
    expect(seen).toEqual([
      ['in', true, 500],
      ['in', false, undefined],
      ['out', true, 900],
    ]);
  });

  it('emits car:entered and car:left with whether the change was local', () => {
    const a = new LotDocument();
    const b = new LotDocument();
    const seen: string[] = [];
    b.on('car:entered', (c, info) => seen.push(`in ${c.plate} ${info.local ? 'local' : String(info.origin)}`));
    b.on('car:left', (c, info) => seen.push(`out ${c.plate} ${info.local ? 'local' : String(info.origin)}`));
    a.enter(car('R'));
    sync(a, b);
    b.leave('R');
    expect(seen).toEqual(['in R peer', 'out R local']);
  });

  it('ignores malformed values written by a peer instead of breaking reads', () => {
    const evil = new Y.Doc();
    const visits = evil.getMap(VISITS_KEY);
    visits.set('x.0', { plate: 42 });
    visits.set('x.1', ['P', 1, 2, 'n']); // the former tuple layout
    visits.set('x.2', encodeVisit({ plate: 'P', gate: 1, enteredAt: 2, node: 'n' }).subarray(0, 4)); // truncated
    visits.set('x.3', Uint8Array.of(...encodeVisit({ plate: 'P', gate: 1, enteredAt: 2, node: 'n' }), 1, 2, 3)); // not a whole tag
    visits.set('x.4', Uint8Array.of(2, 0xff, 0xfe, 1, 2, 1, 0x6e)); // plate not UTF-8
    const a = new LotDocument();
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(evil), 'peer');
    expect(a.occupied).toBe(0);
    expect(a.cars()).toEqual([]);
  });

  it('names the visit it shows for a plate, the one an exit reports', () => {
    const lot = new LotDocument();
    const later = lot.enter(car('P', 1, 20));
    const earlier = lot.enter(car('P', 2, 10));
    expect(lot.shownVisit('P')).toEqual({ id: earlier, car: car('P', 2, 10) });
    expect(lot.shownVisit('P', [later])).toEqual({ id: later, car: car('P', 1, 20) });
    expect(lot.shownVisit('Q')).toBeUndefined();
  });

  it('finds an entry by its request id, on every replica, after the car left', () => {
    const a = new LotDocument();
    const b = new LotDocument();
    a.enter(car('R', 3, 7, 'na'), 'request-1');
    sync(a, b);
    b.leave('R');
    expect(b.enteredBy('request-1')).toEqual(car('R', 3, 7, 'na'));
    expect(b.enteredBy('request-2')).toBeUndefined();
  });

  it('rebuilds its index from an existing document', () => {
    const a = new LotDocument();
    a.enter(car('Q'));
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(a.doc));
    expect(new LotDocument({ doc }).carOf('Q')).toEqual(car('Q'));
  });
});

describe('LotDocument.knowsVisit', () => {
  it('tells a visit removed from one never seen, also when both arrived from a peer after garbage collection', () => {
    const a = new LotDocument();
    const gone = a.enter(car('GONE'));
    const live = a.enter(car('LIVE'));
    a.leave('GONE');
    const b = new LotDocument();
    sync(a, b);
    for (const lot of [a, b]) {
      expect(lot.knowsVisit(gone)).toBe(true);
      expect(lot.knowsVisit(live)).toBe(true);
      expect(lot.carOf('GONE')).toBeUndefined();
      expect(lot.knowsVisit(`${a.doc.clientID.toString(36)}.zz`)).toBe(false);
    }
    const c = new LotDocument();
    expect(c.knowsVisit(gone)).toBe(false);
  });
});

describe('LotDocument clientID', () => {
  it('takes a fresh clientID before its first write when the one it drew is already in the history', () => {
    const old = new LotDocument();
    old.enter(car('OLD 1'));
    // A new process that drew the same id, and received the old one's writes by sync.
    const fresh = new LotDocument({ doc: new Y.Doc({ gc: true }) });
    fresh.doc.clientID = old.doc.clientID;
    sync(old, fresh);
    const id = fresh.enter(car('NEW 1'));
    expect(fresh.doc.clientID).not.toBe(old.doc.clientID);
    expect(id.startsWith(`${fresh.doc.clientID.toString(36)}.`)).toBe(true);
    sync(old, fresh);
    expect(old.carOf('NEW 1')).toBeDefined();
    expect(fresh.carOf('OLD 1')).toBeDefined();
  });

  it("takes a fresh clientID when a peer's state vector holds it, and keeps its id once it has written", () => {
    const peer = new LotDocument();
    peer.enter(car('P 1'));
    const lot = new LotDocument();
    lot.doc.clientID = peer.doc.clientID;
    lot.notePeerClients(Y.decodeStateVector(Y.encodeStateVector(peer.doc)).keys());
    lot.enter(car('L 1'));
    const chosen = lot.doc.clientID;
    expect(chosen).not.toBe(peer.doc.clientID);
    lot.notePeerClients([chosen]);
    lot.enter(car('L 2'));
    expect(lot.doc.clientID).toBe(chosen);
  });
});

describe('LotDocument exit log', () => {
  it('remembers an entry and its exit on a replica that received both at once, after garbage collection', () => {
    // The replica that never saw the visit live (a node back from a pause, a newcomer): Yjs dropped
    // the deleted visit's content, so only the exit record tells it these requests were applied.
    const a = new LotDocument();
    a.enter(car('R', 3, 7, 'na'), 'entry-1');
    a.leave('R', undefined, { req: 'exit-1', gate: 2, exitedAt: 1007 });
    const b = new LotDocument();
    sync(a, b);
    expect(b.carOf('R')).toBeUndefined();
    expect(b.enteredBy('entry-1')).toEqual(car('R', 3, 7, 'na'));
    const past = b.exitedBy('exit-1');
    expect(past).toMatchObject({ plate: 'R', value: { car: car('R', 3, 7, 'na'), gate: 2, exitedAt: 1007, stayMs: 1000 } });
    expect(past?.visit).toBe(a.exitedBy('exit-1')?.visit);
    expect(b.exitedBy('exit-2')).toBeUndefined();
    // And on a document rebuilt from the bytes (a restart from a stored document).
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(a.doc));
    expect(new LotDocument({ doc }).exitedBy('exit-1')?.plate).toBe('R');
  });

  it('records nothing for an exit that removed nothing, and nothing without a request id', () => {
    const lot = new LotDocument();
    expect(lot.leave('NONE', undefined, { req: 'exit-0', gate: 1, exitedAt: 5 })).toEqual([]);
    lot.enter(car('P'));
    lot.leave('P');
    expect(lot.exitLogLength).toBe(0);
    expect(lot.exitedBy('exit-0')).toBeUndefined();
  });

  it('keeps the log bounded: past the limit the oldest records are dropped in one step', () => {
    const lot = new LotDocument({ exitLog: { limit: 10, prune: 4 } });
    for (let i = 0; i < 25; i++) {
      lot.enter(car(`P${i}`), `in-${i}`);
      lot.leave(`P${i}`, undefined, { req: `out-${i}`, gate: 1, exitedAt: 2000 + i });
      expect(lot.exitLogLength).toBeLessThanOrEqual(10);
    }
    // The newest exits are still in the document: a replica synced now knows them.
    const b = new LotDocument();
    sync(lot, b);
    expect(b.exitedBy('out-24')?.plate).toBe('P24');
    expect(b.exitedBy('out-0')).toBeUndefined();
  });

  it('ignores a malformed exit record written by a peer', () => {
    const doc = new Y.Doc();
    doc.getArray<Uint8Array>('x').push([new Uint8Array([1, 2, 3])]);
    const lot = new LotDocument();
    Y.applyUpdate(lot.doc, Y.encodeStateAsUpdate(doc));
    expect(lot.exitLogLength).toBe(1);
    expect(lot.occupied).toBe(0);
  });
});

describe('LotDocument attempts of one command', () => {
  // One entry command, two attempts: n1 applied it and stalled before anyone heard of it; the retry
  // was applied by n4, whose replica lacked n1's visit. Both visits carry the command's tag.
  const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));
  /** The car events a replica emits from now on, as `in <node>` / `out <node>`. */
  function eventsOf(lot: LotDocument): string[] {
    const events: string[] = [];
    lot.on('car:entered', (c) => events.push(`in ${c.node}`));
    lot.on('car:left', (c) => events.push(`out ${c.node}`));
    return events;
  }
  function attempts() {
    const n1 = new LotDocument();
    const n4 = new LotDocument();
    const first = n1.enter(car('Z', 1, 100, 'n1'), 'cmd-1');
    const retry = n4.enter(car('Z', 1, 200, 'n4'), 'cmd-1');
    return { n1, n4, first, retry };
  }

  it('shows the two attempts as one car, the latest attempt, and one exit removes both', () => {
    const { n1, n4 } = attempts();
    sync(n1, n4);
    for (const lot of [n1, n4]) {
      expect(lot.occupied).toBe(1);
      expect(lot.carOf('Z')).toEqual(car('Z', 1, 200, 'n4'));
      expect(lot.cars()).toEqual([car('Z', 1, 200, 'n4')]);
    }
    n4.leave('Z', undefined, { req: 'out-1', gate: 2, exitedAt: 300 });
    sync(n1, n4);
    expect(n1.carOf('Z')).toBeUndefined();
  });

  it('drops the stalled attempt that arrives after the exit of the retry: no car, no event, deleted for good', async () => {
    const { n1, n4, first } = attempts();
    n4.leave('Z', undefined, { req: 'out-1', gate: 2, exitedAt: 300 });
    const events = eventsOf(n4);
    Y.applyUpdate(n4.doc, Y.encodeStateAsUpdate(n1.doc), 'peer');
    expect(n4.carOf('Z')).toBeUndefined();
    expect(events).toEqual([]);
    await tick();
    // n4 deleted the stale visit; the delete reaches n1 like any write, and a replica built later
    // from the document (after the exit log dropped the record) never sees it either.
    sync(n1, n4);
    expect(n1.carOf('Z')).toBeUndefined();
    expect(n1.knowsVisit(first)).toBe(true);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(n1.doc));
    expect(doc.getMap('v').has(first)).toBe(false);
  });

  it('takes out a stalled attempt already shown here when the exit of the retry arrives', () => {
    const { n1, n4 } = attempts();
    const c = new LotDocument();
    Y.applyUpdate(c.doc, Y.encodeStateAsUpdate(n1.doc), 'peer');
    expect(c.carOf('Z')?.node).toBe('n1');
    n4.leave('Z', undefined, { req: 'out-1', gate: 2, exitedAt: 300 });
    const events = eventsOf(c);
    Y.applyUpdate(c.doc, Y.encodeStateAsUpdate(n4.doc), 'peer');
    expect(c.carOf('Z')).toBeUndefined();
    expect(c.occupied).toBe(0);
    expect(events).toEqual(['out n1']);
  });

  it('names the request tag of the car in each event (hex), so attempts of one command can be told', () => {
    const lot = new LotDocument();
    const tags: Array<string | undefined> = [];
    lot.on('car:entered', (_c, info) => tags.push(info.req));
    lot.on('car:left', (_c, info) => tags.push(info.req));
    lot.enter(car('T'), 'cmd-9');
    lot.leave('T');
    const hex = Buffer.from(requestTag('cmd-9'), 'latin1').toString('hex');
    expect(tags).toEqual([hex, hex]);
  });

  it('answers a replayed entry with the latest attempt, the car the plate shows, whichever attempt arrived first', () => {
    const n1 = new LotDocument();
    const n4 = new LotDocument();
    n1.enter(car('R', 1, 1000, 'o1'), 'req-r');
    n4.enter(car('R', 1, 2000, 'o2'), 'req-r');
    const o3 = new LotDocument();
    Y.applyUpdate(o3.doc, Y.encodeStateAsUpdate(n1.doc), 'peer');
    Y.applyUpdate(o3.doc, Y.encodeStateAsUpdate(n4.doc), 'peer');
    expect(o3.carOf('R')).toEqual(car('R', 1, 2000, 'o2'));
    expect(o3.enteredBy('req-r')).toEqual(car('R', 1, 2000, 'o2'));
  });

  it('drops a late visit only on the plate its exited twin was for', () => {
    const a = new LotDocument();
    a.enter(car('P', 1, 100, 'a'), 'shared');
    a.leave('P', undefined, { req: 'out', gate: 1, exitedAt: 200 });
    const b = new LotDocument();
    b.enter(car('Q', 1, 150, 'b'), 'shared');
    sync(a, b);
    expect(a.carOf('Q')).toEqual(car('Q', 1, 150, 'b'));
    expect(b.carOf('Q')).toEqual(car('Q', 1, 150, 'b'));
  });
});
