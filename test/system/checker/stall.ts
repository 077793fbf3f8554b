/**
 * The last rule of issue 10 ("What must hold"), where the events show it: a node that notices its
 * own stall judges no peer until it has read what they sent. A life resumed after a pause (SIGSTOP
 * to SIGCONT) that declares a peer dead (`member:down`) within `failureMs` of its resume, although
 * that peer ran, unpaused and reachable (outside every network fault), through the whole failure
 * timeout before the verdict, judged it on its own stall: the peer's heartbeats were waiting in its
 * sockets. Only the node's own verdict counts (reason 'heartbeat timeout', src/cluster/membership.ts): a
 * link the peer closed on it (reason 'heartbeat-timeout', the peer's verdict on the paused node, read
 * from the socket) is what the peer sent, not a judgement on a stale clock. Pure.
 */
import type { Life } from './events.js';
import type { Disconnection } from './ownership.js';

/** A peer declared dead by a life resumed from a pause, on the evidence of its own stall. */
/** The reason of a member:down that this node's own heartbeat decided. */
const OWN_VERDICT = 'heartbeat timeout';

export interface StallJudgement {
  node: string;
  peer: string;
  /** When it declared the peer dead, and when it had been resumed. */
  at: number;
  resumedAt: number;
}

export function checkStallJudgements(allLives: Life[], faults: Disconnection[], failureMs: number): StallJudgement[] {
  const found: StallJudgement[] = [];
  for (const life of allLives) {
    for (const pause of life.pauses) {
      if (!Number.isFinite(pause.end)) continue;
      for (const e of life.events) {
        if (e.type !== 'member:down' || e.t < pause.end || e.t > pause.end + failureMs) continue;
        if (e.data.reason !== OWN_VERDICT) continue;
        const name = e.data.name;
        if (typeof name !== 'string') continue;
        const from = e.t - failureMs;
        const peer = allLives.find((l) => l.node === name && l.start <= from && l.end >= e.t);
        if (peer === undefined) continue;
        if (peer.pauses.some((p) => p.start < e.t && p.end > from)) continue;
        if (faults.some((f) => f.kind === 'split' && f.start < e.t && f.end > from)) continue;
        found.push({ node: life.node, peer: name, at: e.t, resumedAt: pause.end });
      }
    }
  }
  return found;
}
