/**
 * The dialer, driven by hand: a stand-in transport whose dials the test settles, on a fake clock.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Dialer } from '../../../src/cluster/dialer.js';
import { HandshakeError, NodeUnreachableError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { seededRandom } from '../../../src/random.js';
import type { PeerLink, Transport } from '../../../src/transport/types.js';
import { FakeClock } from '../../support/fake-clock.js';

interface PendingDial {
  address: string;
  /** Fake time of the dial. */
  at: number;
  resolve: (link: PeerLink) => void;
  reject: (err: Error) => void;
}

function setup(options: { duplicateNameWaitMs?: number } = {}) {
  const clock = new FakeClock();
  const dials: PendingDial[] = [];
  /** The next `count` dials are refused at once (nobody listens there), as a down peer answers. */
  const refuse = { count: 0 };
  const transport = Object.assign(new EventEmitter(), {
    dial: (address: string) =>
      new Promise<PeerLink>((resolve, reject) => {
        dials.push({ address, at: clock.monotonic(), resolve, reject });
        if (refuse.count > 0) {
          refuse.count--;
          reject(new NodeUnreachableError(address, 'ECONNREFUSED'));
        }
      }),
  }) as unknown as Transport;
  const linked = new Set<string>();
  const dialer = new Dialer({
    transport,
    clock,
    random: seededRandom(1),
    logger: silentLogger(),
    isLinked: (n) => linked.has(n),
    baseMs: 100,
    maxMs: 1000,
    ...options,
  });
  let attempts = 0;
  dialer.on('dial:attempted', () => attempts++);
  const link = (name: string) => ({ remote: { cluster: 'c', name, incarnation: 'i', url: '' } }) as PeerLink;
  const settle = async () => {
    await Promise.resolve();
    await Promise.resolve();
  };
  return { clock, dials, dialer, linked, link, settle, refuse, attempts: () => attempts };
}

describe('Dialer', () => {
  it('Add_DialsAtOnce_AndAnInitialAddressIsPendingUntilTriedOnce', async () => {
    const { dialer, dials, link, settle, attempts } = setup();
    dialer.add('h:1', true);
    expect(dials.map((d) => d.address)).toEqual(['h:1']);
    expect(dialer.initialPending()).toBe(1);
    dials[0]!.resolve(link('b'));
    await settle();
    expect(dialer.initialPending()).toBe(0);
    expect(attempts()).toBe(1);
  });

  it('DialFails_RedialsWithBackoff_AndAFailedAttemptCountsAsTried', async () => {
    const { dialer, dials, clock, settle } = setup();
    dialer.add('h:1', true);
    dials[0]!.reject(new NodeUnreachableError('h:1', 'ECONNREFUSED'));
    await settle();
    expect(dialer.initialPending()).toBe(0);
    expect(dials).toHaveLength(1);
    await clock.advance(100); // equal jitter: the first retry comes within [50, 100] ms
    expect(dials).toHaveLength(2);
  });

  it('LinkDown_RedialsTheAddressBehindThatName', async () => {
    const { dialer, dials, clock, link, settle } = setup();
    dialer.add('h:1');
    dials[0]!.resolve(link('b'));
    await settle();
    dialer.onLinkDown(link('b'));
    await clock.advance(100);
    expect(dials.map((d) => d.address)).toEqual(['h:1', 'h:1']);
  });

  it('AlreadyLinked_ByTheOtherSidesDial_IsNotDialedAgain', async () => {
    const { dialer, dials, clock, link, linked, settle } = setup();
    dialer.add('h:1');
    dials[0]!.resolve(link('b'));
    await settle();
    linked.add('b');
    dialer.linkDown('b'); // the redial finds b linked (it dialed us) and stops there
    await clock.advance(2000);
    expect(dials).toHaveLength(1);
  });

  it('Self_AnAddressThatIsThisNode_IsDroppedForGood', async () => {
    const { dialer, dials, clock, settle } = setup();
    dialer.add('me:1', true);
    dials[0]!.reject(new HandshakeError('self', 'that is me'));
    await settle();
    expect(dialer.addresses()).toEqual([]);
    expect(dialer.initialPending()).toBe(0);
    dialer.add('me:1');
    await clock.advance(5000);
    expect(dials).toHaveLength(1);
  });

  it('DuplicateName_IsWaitedForUntilDuplicateNameWaitMs_ThenCountsAsTried', async () => {
    const { dialer, dials, clock, settle } = setup({ duplicateNameWaitMs: 1000 });
    dialer.add('h:1', true);
    dials[0]!.reject(new HandshakeError('duplicate-name', 'taken'));
    await settle();
    expect(dialer.initialPending()).toBe(1);
    for (let i = 1; i < 20 && dialer.initialPending() > 0; i++) {
      await clock.advance(1000);
      dials[i]?.reject(new HandshakeError('duplicate-name', 'taken'));
      await settle();
    }
    expect(dialer.initialPending()).toBe(0);
  });

  it('Remove_ALostInitialAddress_NoLongerBlocksTheJoin_AndIsNotRedialed', async () => {
    const { dialer, dials, clock, settle, attempts } = setup();
    dialer.add('h:1', true);
    dialer.remove('h:1');
    expect(dialer.initialPending()).toBe(0);
    expect(attempts()).toBe(1);
    dials[0]!.reject(new NodeUnreachableError('h:1', 'ECONNREFUSED'));
    await settle();
    await clock.advance(5000);
    expect(dials).toHaveLength(1);
  });

  it('Backoff_EachRedialWaitsBetweenHalfAndAllOfACeilingThatDoublesUpToMaxMs', async () => {
    const { dialer, dials, clock, refuse } = setup(); // baseMs 100, maxMs 1000
    refuse.count = Infinity;
    dialer.add('h:1');
    await clock.advance(10_000);
    const gaps = dials.slice(1).map((d, k) => d.at - dials[k]!.at);
    expect(gaps.length).toBeGreaterThan(8);
    gaps.forEach((gap, k) => {
      const ceiling = Math.min(1000, 100 * 2 ** k);
      expect(gap, `redial ${k + 1}`).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
      expect(gap, `redial ${k + 1}`).toBeLessThanOrEqual(ceiling);
    });
  });

  it('DialSucceeds_ResetsTheBackoff_SoTheNextLinkDownIsRedialedWithinBaseMs', async () => {
    const { dialer, dials, clock, link, refuse, settle } = setup();
    refuse.count = 3;
    dialer.add('h:1');
    await clock.until(() => dials.length === 4); // the fourth dial, after waits of ~100, ~200, ~400 ms
    expect(dials[3]!.at - dials[2]!.at).toBeGreaterThanOrEqual(200);
    dials[3]!.resolve(link('b'));
    await settle();
    dialer.onLinkDown(link('b'));
    const downAt = clock.monotonic();
    await clock.until(() => dials.length === 5);
    expect(dials[4]!.at - downAt).toBeLessThanOrEqual(100);
  });

  it('Add_AnAddressAlreadyKept_IsNotDialedAgain', async () => {
    const { dialer, dials, clock } = setup();
    dialer.add('h:1');
    dialer.add('h:1');
    dialer.add('h:1', true);
    await clock.advance(5000);
    expect(dials).toHaveLength(1);
    expect(dialer.addresses()).toEqual(['h:1']);
  });

  it('LinkReplaced_TheSameProcessIsStillLinked_NothingIsRedialed', async () => {
    const { dialer, dials, clock, link, settle } = setup();
    dialer.add('h:1');
    dials[0]!.resolve(link('b'));
    await settle();
    dialer.onLinkReplaced();
    await clock.advance(5000);
    expect(dials).toHaveLength(1);
  });

  it('Stop_CancelsRedials_AndAddDoesNothingAfterwards', async () => {
    const { dialer, dials, clock, settle } = setup();
    dialer.add('h:1');
    dials[0]!.reject(new NodeUnreachableError('h:1', 'ECONNREFUSED'));
    await settle();
    dialer.stop();
    dialer.add('h:2');
    await clock.advance(5000);
    expect(dials.map((d) => d.address)).toEqual(['h:1']);
  });
});
