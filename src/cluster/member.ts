/**
 * One member as membership sees it, and the events membership emits about members.
 */
import type { PeerLink } from '../transport/types.js';
import type { MemberStatus } from '../types.js';

export interface Member {
  name: string;
  url: string;
  incarnation: string;
  status: MemberStatus;
  since: number;
  lastHeard: number;
  link: PeerLink | undefined;
  /** It told us (SYNCED) on its current link that it holds our lot and has joined: it may run gates. */
  synced: boolean;
  /** Why it was declared dead (the heartbeat's silence, or how its link closed). */
  downReason?: string;
  /**
   * Its `member:up` is held until it is introduced (Membership.introduce: its gates are known and
   * any gate both ran is released here); false only while held.
   */
  introduced?: boolean;
}

export interface MemberEvent {
  name: string;
  url: string;
  status: MemberStatus;
  incarnation: string;
  reason?: string;
}

export interface MembershipEvents {
  'member:up': [MemberEvent];
  'member:suspect': [MemberEvent];
  'member:down': [MemberEvent];
  'member:left': [MemberEvent];
  /** The placement view changed (see placementNames()). */
  'view:changed': [string[]];
  /**
   * This node's own heartbeat ran `gapMs` late (the process was paused: SIGSTOP, a long GC, a
   * suspended VM): it judged no peer on that round, and its replica may be stale.
   */
  'self:stalled': [{ gapMs: number }];
}

/** Alive or suspect: counted in the live view (a suspect keeps its gates). */
export function isLive(m: { status: MemberStatus }): boolean {
  return m.status === 'alive' || m.status === 'suspect';
}
