/**
 * Who is in the cluster, as this node sees it. A member is alive while its link is open and its
 * heartbeat is current; suspect when it has been silent for `suspectTimeoutMs` (its gates stay
 * put: a short pause should not move them); dead when silent for `failureTimeoutMs` or when its link
 * closes; left when it said goodbye (LEAVE, or a link closed with reason 'leave').
 *
 * The live view (self + alive + suspect) is what gate placement is computed from. The heartbeat is
 * the transport's PING (the remote link answers PONG by itself); any frame or bytes from a peer (the
 * link's `activity`) count as a sign of life, so a busy link needs no extra pings to stay alive.
 * Membership speaks LEAVE and observes links through the registrar.
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import type { MemberView } from '../types.js';
import type { Startable } from '../lifecycle.js';
import { MessageType } from '../message-types.js';
import type { LinkObserver, Registrar } from '../transport/registrar.js';
import type { AdmitContext, AdmitResult, PeerIdentity, PeerLink } from '../transport/types.js';
import { isLive, type Member, type MemberEvent, type MembershipEvents } from './member.js';

export type { MemberEvent, MembershipEvents } from './member.js';

export interface MembershipOptions {
  self: PeerIdentity;
  clock: Clock;
  logger: Logger;
  /** Where membership registers LEAVE and its link observer. */
  registrar: Registrar;
  heartbeatIntervalMs: number;
  suspectTimeoutMs: number;
  failureTimeoutMs: number;
  /** Whether self counts in placement from the start (default true; a node that joins starts false). */
  selfReady?: boolean;
  /** Dead and left members are forgotten after this long (default one hour). */
  retentionMs?: number;
  /**
   * Hold a new member's `member:up` until {@link Membership.introduce} is called for its link (the
   * node calls it once the peer's first GATES is read and every gate both ran is released here), so
   * that "up" means "linked, and no gate runs on both of us". Default false (up at once).
   */
  holdMemberUp?: boolean;
}

const EMPTY = new Uint8Array(0);
/** The reason of a member declared dead by our heartbeat. */
const HEARTBEAT_TIMEOUT = 'heartbeat timeout';

export class Membership extends EventEmitter<MembershipEvents> implements Startable, LinkObserver {
  readonly name = 'membership';
  private readonly options: MembershipOptions;
  private readonly log: Logger;
  private readonly members = new Map<string, Member>();
  private timer: TimerHandle | undefined;
  /** monotonic() of the last heartbeat round, to notice a stall of this process. */
  private lastTick: number | undefined;
  private lastView = '';
  private selfReady: boolean;

  constructor(options: MembershipOptions) {
    super();
    this.options = options;
    this.log = options.logger.child({ component: 'membership' });
    this.selfReady = options.selfReady ?? true;
    this.lastView = this.placementNames().join(',');
    options.registrar.handle(MessageType.LEAVE, this.name, (link) => this.onLeave(link));
    options.registrar.observe(this);
  }

  /**
   * The nodes gates are placed on: live members that hold the lot. Self, once it has caught up with
   * the peers it found at start (see Node); a peer, once it said SYNCED on its current link. So a node
   * that just joined, or came back from a partition, takes gates only when its replica holds what the
   * others had; until then its gates stay where they are.
   */
  placementNames(): string[] {
    const names = this.selfReady ? [this.options.self.name] : [];
    for (const m of this.members.values()) if (isLive(m) && m.synced) names.push(m.name);
    return names.sort();
  }

  /** Whether this node may run gates yet (false while it joins). */
  setSelfReady(ready: boolean): void {
    if (this.selfReady === ready) return;
    this.selfReady = ready;
    this.viewMaybeChanged();
  }

  /** The peer on this link holds our lot and has joined (it sent SYNCED): it may run gates. */
  peerSynced(link: PeerLink): void {
    const m = this.members.get(link.remote.name);
    if (m === undefined || m.link !== link || m.synced) return;
    m.synced = true;
    this.viewMaybeChanged();
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.lastTick = this.options.clock.monotonic();
    this.timer = this.options.clock.setInterval(() => this.tick(), this.options.heartbeatIntervalMs);
    this.timer.unref?.();
  }

  /** Graceful stop: tell every peer we leave (after the gates drained and the deltas were flushed). */
  beforeStop(): void {
    this.announceLeave();
  }

  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Dead members that were declared dead by silence rather than seen to die: our heartbeat timed
   * them out, or they closed the link because theirs timed us out. Such a node may be alive on the
   * other side of a cut, still deciding; a process that crashed closes its sockets, which is not silence.
   */
  lostToSilence(): string[] {
    const silent: string[] = [];
    for (const m of this.members.values()) {
      if (m.status === 'dead' && (m.downReason === HEARTBEAT_TIMEOUT || m.downReason === 'heartbeat-timeout')) silent.push(m.name);
    }
    return silent;
  }

  /**
   * Whether this process stalled since the last heartbeat round: that round is overdue by
   * `suspectTimeoutMs` or more. Then nobody is judged on the stale clock (every member's silence
   * restarts now) and 'self:stalled' is emitted, once per stall; true is returned. The heartbeat calls
   * it, and so does a gate worker before each decision (src/gates/gate-service.ts): a resumed process
   * reads the sockets that became ready during the pause before its overdue timers run, so the timer
   * alone would come too late.
   */
  checkStall(): boolean {
    if (this.timer === undefined || this.lastTick === undefined) return false;
    const now = this.options.clock.monotonic();
    const gap = now - this.lastTick;
    if (gap < this.options.suspectTimeoutMs + this.options.heartbeatIntervalMs) {
      if (gap >= this.options.heartbeatIntervalMs) this.lastTick = now;
      return false;
    }
    this.lastTick = now;
    this.log.warn({ gapMs: Math.round(gap) }, 'this node stalled: judging no peer until heard from');
    for (const m of this.members.values()) if (isLive(m)) m.lastHeard = now;
    this.emit('self:stalled', { gapMs: gap });
    return true;
  }

  /** The live members with an open link (self excluded). */
  linkedMembers(): { name: string; link: PeerLink; synced: boolean }[] {
    const linked: { name: string; link: PeerLink; synced: boolean }[] = [];
    for (const m of this.members.values())
      if (isLive(m) && m.link?.open === true) linked.push({ name: m.name, link: m.link, synced: m.synced });
    return linked;
  }

  /** Self plus every member alive or suspect, sorted by name. */
  liveNames(): string[] {
    const names = [this.options.self.name];
    for (const m of this.members.values()) if (isLive(m)) names.push(m.name);
    return names.sort();
  }

  /** The link to a live member, if any. */
  linkOf(name: string): PeerLink | undefined {
    const m = this.members.get(name);
    return m !== undefined && isLive(m) && m.link?.open === true ? m.link : undefined;
  }

  isLive(name: string): boolean {
    return name === this.options.self.name || this.linkOf(name) !== undefined;
  }

  /** Self first, then the others by name. */
  view(): MemberView[] {
    const self = this.options.self;
    const others = [...this.members.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((m): MemberView => ({ name: m.name, url: m.url, status: m.status, incarnation: m.incarnation, since: m.since }));
    return [{ name: self.name, url: self.url, status: 'alive', incarnation: self.incarnation }, ...others];
  }

  /**
   * Admission of a new link (called by the transport after authentication). A name is refused when it
   * is our own, or when a live member already holds it under another incarnation: a second process with
   * a taken name is a misconfiguration, and a restarted node gets in once its old incarnation is
   * declared dead (at once after a crash, whose socket the kernel closes; after failureTimeoutMs when
   * its host vanished).
   */
  admit(remote: PeerIdentity, context: AdmitContext): AdmitResult {
    if (remote.name === this.options.self.name) {
      return { ok: false, reason: 'duplicate-name', message: `${remote.name} is this node's own name` };
    }
    const known = this.members.get(remote.name);
    const liveOther =
      context.existing.length > 0 ||
      (known !== undefined && known.incarnation !== remote.incarnation && known.link?.open === true && isLive(known));
    if (liveOther) {
      return { ok: false, reason: 'duplicate-name', message: `a live node named ${remote.name} is already in the cluster` };
    }
    return { ok: true };
  }

  onLinkUp(link: PeerLink): void {
    link.on('activity', () => this.heard(link));
    this.linkUp(link);
  }

  onLinkDown(link: PeerLink, reason: string): void {
    this.linkDown(link, reason);
  }

  /** The same process now speaks on `next` (duplicate-link rule): the member keeps its standing. */
  onLinkReplaced(previous: PeerLink, next: PeerLink): void {
    next.on('activity', () => this.heard(next));
    const m = this.members.get(previous.remote.name);
    if (m === undefined || m.link !== previous) return this.linkUp(next);
    m.link = next;
    m.lastHeard = this.options.clock.monotonic();
  }

  /** A link authenticated: the member is alive (a new incarnation replaces an old one). */
  linkUp(link: PeerLink): void {
    const now = this.options.clock.monotonic();
    const { name, url, incarnation } = link.remote;
    const known = this.members.get(name);
    const wasLive = known !== undefined && isLive(known) && known.incarnation === incarnation;
    // A new link to a live member must be synced again before it counts in placement (it may have
    // been cut off from us); only a replaced link keeps its standing (onLinkReplaced).
    this.members.set(name, {
      name,
      url,
      incarnation,
      status: 'alive',
      since: wasLive ? known.since : this.options.clock.now(),
      lastHeard: now,
      link,
      synced: false,
    });
    if (!wasLive) {
      if (this.options.holdMemberUp === true) this.members.get(name)!.introduced = false;
      else this.announceUp(this.members.get(name)!);
    }
    this.viewMaybeChanged();
  }

  /**
   * The member on `link` is introduced (see holdMemberUp): its held `member:up` goes out now. Nothing
   * when the link is no longer its, or it was introduced already.
   */
  introduce(link: PeerLink): void {
    const m = this.members.get(link.remote.name);
    if (m === undefined || m.link !== link || m.introduced !== false || !isLive(m)) return;
    this.announceUp(m);
  }

  private announceUp(m: Member): void {
    m.introduced = true;
    this.log.info({ peer: m.name, url: m.url, incarnation: m.incarnation }, 'member up');
    this.emit('member:up', { name: m.name, url: m.url, incarnation: m.incarnation, status: 'alive' });
  }

  /** A link closed. The member is dead, or left if it said so. */
  linkDown(link: PeerLink, reason: string): void {
    const m = this.members.get(link.remote.name);
    if (m === undefined || m.link !== link) return;
    m.link = undefined;
    if (m.status === 'left' || m.status === 'dead') return;
    if (reason === 'leave') this.markLeft(m);
    else this.markDead(m, reason);
  }

  /** Any message from a peer is a sign of life. */
  heard(link: PeerLink): void {
    const m = this.members.get(link.remote.name);
    if (m === undefined || m.link !== link) return;
    m.lastHeard = this.options.clock.monotonic();
    if (m.status === 'suspect') {
      m.status = 'alive';
      m.since = this.options.clock.now();
      this.log.info({ peer: m.name }, 'member alive again');
      this.emit('member:up', this.eventOf(m));
    }
  }

  private onLeave(link: PeerLink): void {
    const m = this.members.get(link.remote.name);
    if (m !== undefined && m.link === link) this.markLeft(m);
  }

  /** Tells every peer we are leaving, so they drop us with no wait. */
  announceLeave(): void {
    for (const m of this.members.values()) if (m.link?.open === true) m.link.send(MessageType.LEAVE, EMPTY);
  }

  /**
   * One heartbeat round: ping every linked member, then judge silences. A round that runs
   * `suspectTimeoutMs` late means this process was stalled: the timer runs before the sockets are
   * read when a paused process resumes, so the peers' silence is ours. Then nobody is judged: every
   * member's clock restarts (it gets a full `failureTimeoutMs` to be heard from), and 'self:stalled'
   * tells the node to stop deciding until it has re-synced (src/cluster/join.ts).
   */
  tick(): void {
    const now = this.options.clock.monotonic();
    this.checkStall();
    const wallNow = this.options.clock.now();
    for (const [name, m] of this.members) {
      // Forget long-gone members, so a cluster that churns through names does not grow forever.
      if ((m.status === 'dead' || m.status === 'left') && wallNow - m.since > (this.options.retentionMs ?? 3_600_000))
        this.members.delete(name);
    }
    for (const m of this.members.values()) {
      if (m.link === undefined || !m.link.open) continue;
      if (!isLive(m)) continue;
      const silent = now - m.lastHeard;
      if (silent >= this.options.failureTimeoutMs) {
        const link = m.link;
        this.markDead(m, HEARTBEAT_TIMEOUT);
        link.close('heartbeat-timeout');
        continue;
      }
      if (silent >= this.options.suspectTimeoutMs && m.status === 'alive') {
        m.status = 'suspect';
        m.since = this.options.clock.now();
        this.log.warn({ peer: m.name, silentMs: Math.round(silent) }, 'member suspect');
        this.emit('member:suspect', this.eventOf(m));
      }
      m.link.ping();
    }
  }

  private markDead(m: Member, reason: string): void {
    m.status = 'dead';
    m.downReason = reason;
    m.since = this.options.clock.now();
    this.log.warn({ peer: m.name, reason }, 'member down');
    this.emit('member:down', { ...this.eventOf(m), reason });
    this.viewMaybeChanged();
  }

  private markLeft(m: Member): void {
    m.status = 'left';
    m.since = this.options.clock.now();
    this.log.info({ peer: m.name }, 'member left');
    this.emit('member:left', this.eventOf(m));
    this.viewMaybeChanged();
  }

  private eventOf(m: Member): MemberEvent {
    return { name: m.name, url: m.url, status: m.status, incarnation: m.incarnation };
  }

  private viewMaybeChanged(): void {
    const names = this.placementNames();
    const key = names.join(',');
    if (key === this.lastView) return;
    this.lastView = key;
    this.emit('view:changed', names);
  }
}
