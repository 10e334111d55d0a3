// A Bus on Redis: pub/sub carries messages and entry changes, a hash per node holds its
// entries (read on every resync), and a heartbeat key per node with an expiry tells the others
// when a node is gone. Node only (the `redis` client).
//
// Redis keys, under `prefix` (default "rxpeer"):
//   {prefix}:nodes            SET of live node ids
//   {prefix}:node:{id}        a node's heartbeat, expires after `nodeExpiry` ms
//   {prefix}:entries:{id}     HASH of a node's entries: "e\n{channel}\n{key}" → value,
//                             "v\n{channel}" → the version of the channel's last entry change
//   {prefix}:c:{channel}      pub/sub: the channel's envelopes (envelope.ts)
//   {prefix}:control          pub/sub: {"resync": id} (re-read its entries), {"gone": id}
//   {prefix}:slot:{n}         the node leasing id slot n (id-slots.ts), expires as the heartbeat
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { ErrorCode } from '../peer/constants.js';
import type { RelayBus, RelayLink, RelayNode } from '../peer/multiplayer/relay.js';
import type { Bus, BusChannel, BusChannelListener, BusLoss, BusStatus } from '../observable/bus.js';
import { checkOptions, checkTimerMs, describeValue } from '../observable/options.js';
import { SLOT_COUNT } from './id-slots.js';
import { RedisRelayLink } from './relay-link.js';
import { decodeEnvelope, encodeDel, encodeMessage, encodeSet, type Envelope, EnvelopeKind } from './envelope.js';

export interface RedisBusOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
  url: string;
  /** Prefix of every Redis key and channel, so several clusters can share one Redis. Default "rxpeer". */
  prefix?: string;
  /** Milliseconds between a node's heartbeats (and its checks of the others). Default 1000. */
  heartbeatInterval?: number;
  /**
   * Milliseconds after its last heartbeat at which a silent node counts as gone, and after
   * which a node cut off from Redis forgets the others. Must exceed heartbeatInterval. Default 3000.
   */
  nodeExpiry?: number;
  /** Hears every change of the link (partitioned with a cause, connected again, …). */
  onStatus?: (status: BusStatus) => void;
  /** Hears every loss: messages this node could not publish, or gaps in what it received. */
  onLoss?: (loss: BusLoss) => void;
}

export interface RedisBus extends Bus, RelayBus {
  /** Resolves once the node has joined (connected to Redis and read the others' state). */
  ready(): Promise<void>;
  /** Leaves: this node's entries are deleted everywhere (if Redis is reachable), both connections close. */
  close(): Promise<void>;
}

/** Leases slot KEYS[1] for node ARGV[1] for ARGV[2] ms if it is free or already its own: 1, else 0. */
const LEASE_SLOT = `local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELAY_CHANNEL = 'relay';
const LATE = Symbol('late');

const KNOWN_OPTIONS = ['url', 'prefix', 'heartbeatInterval', 'nodeExpiry', 'onStatus', 'onLoss'];
/** Reconnection backoff: 50 ms doubling up to this, so a Redis that is back is noticed soon. */
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * A bus between rxpeer servers through Redis.
 *
 * Guarantees: messages a node publishes on a channel reach every other node connected to Redis
 * at that moment at most once and in publish order (one Redis connection per node publishes
 * everything). Nothing is lost silently: a message published while Redis is unreachable, or
 * whose PUBLISH failed, is reported by `onLoss` (direction `send`); a receiver that sees a gap
 * in another node's sequence reports it too (direction `receive`). A node that stops (SIGKILL
 * included) has its entries removed on every other node within `nodeExpiry + heartbeatInterval`
 * ms of its last heartbeat; a node cut off from Redis for `nodeExpiry` ms drops the other
 * nodes' entries, and every node re-reads all entries when Redis is back.
 *
 * @example
 * const bus = redisBus({ url: 'redis://127.0.0.1:6379', onStatus: (s) => console.log(s.state, s.cause ?? '') });
 * const hub = createHub({ bus });
 */
export function redisBus(options: RedisBusOptions): RedisBus {
  if (options === undefined) throw new TypeError('redisBus: options must be an object with a url, got undefined');
  checkOptions('redisBus', options, KNOWN_OPTIONS);
  const { url, prefix = 'rxpeer', heartbeatInterval = 1000, nodeExpiry = 3000, onStatus, onLoss } = options;
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new TypeError(`redisBus: url must be a redis:// or rediss:// URL, got ${describeValue(url)}`);
  }
  if (typeof prefix !== 'string' || prefix === '' || /\s/.test(prefix)) {
    throw new TypeError(`redisBus: prefix must be a non-empty string without spaces, got ${describeValue(prefix)}`);
  }
  checkTimerMs('redisBus', 'heartbeatInterval', heartbeatInterval, false);
  checkTimerMs('redisBus', 'nodeExpiry', nodeExpiry, false);
  if (nodeExpiry <= heartbeatInterval) {
    throw new RangeError(`redisBus: nodeExpiry (${nodeExpiry} ms) must exceed heartbeatInterval (${heartbeatInterval} ms)`);
  }
  if (onStatus !== undefined && typeof onStatus !== 'function') throw new TypeError(`redisBus: onStatus must be a function, got ${describeValue(onStatus)}`);
  if (onLoss !== undefined && typeof onLoss !== 'function') throw new TypeError(`redisBus: onLoss must be a function, got ${describeValue(onLoss)}`);
  return new RedisBusImpl({ url, prefix, heartbeatInterval, nodeExpiry, onStatus, onLoss });
}

interface Settings {
  url: string;
  prefix: string;
  heartbeatInterval: number;
  nodeExpiry: number;
  onStatus: ((status: BusStatus) => void) | undefined;
  onLoss: ((loss: BusLoss) => void) | undefined;
}

interface ChannelState {
  readonly name: string;
  readonly listener: BusChannelListener;
  /** This node's entries. */
  readonly own: Map<string, string>;
  /** Version of this node's last entry change on the channel. */
  version: number;
  /** Sequence number of this node's last message on the channel. */
  seq: number;
  /** Other nodes' entries, as last seen: node → key → value. */
  readonly remote: Map<string, Map<string, string>>;
}

type Client = ReturnType<typeof createClient>;

class RedisBusImpl implements RedisBus {
  readonly nodeId = randomBytes(8).toString('hex');
  readonly #settings: Settings;
  readonly #pub: Client;
  readonly #sub: Client;
  readonly #channels = new Map<string, ChannelState>();
  /** Highest entry version applied, per "node\nchannel" (a snapshot's or a change's). */
  readonly #versions = new Map<string, number>();
  /** Last message sequence number seen, per "node\nchannel": a jump is a loss. Kept across partitions. */
  readonly #lastSeq = new Map<string, number>();
  /** Nodes whose entries this node has read (a snapshot), until they are dropped. */
  readonly #known = new Set<string>();
  #status: BusStatus = { state: 'connecting' };
  /** Snapshots being read: envelopes wait until they are applied. */
  #loading = 0;
  #buffered: { channel: string; envelope: Envelope }[] = [];
  #syncGeneration = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #expiry: ReturnType<typeof setTimeout> | null = null;
  #beating = false;
  readonly #pendingLosses = new Map<string, BusLoss>();
  #lossFlush: ReturnType<typeof setImmediate> | null = null;
  #readyPromise: Promise<void>;
  #resolveReady!: () => void;
  #rejectReady!: (error: Error) => void;
  #closed = false;
  #subscribing = false;
  /** The multiplayer server on this node (one per bus), and the id slot it leases. */
  #relay: RedisRelayLink | null = null;
  #slot: number | null = null;
  #relayJoined: ((result: ErrorCode) => void)[] = [];

  constructor(settings: Settings) {
    this.#settings = settings;
    this.#readyPromise = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.#readyPromise.catch(() => {}); // nobody may be waiting
    const reconnectStrategy = (retries: number): number => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS);
    // Publishing fails at once while Redis is unreachable (reported as a loss) instead of
    // queueing and arriving late, after the others have already been told this node is gone.
    this.#pub = createClient({ url: settings.url, disableOfflineQueue: true, socket: { reconnectStrategy } });
    this.#sub = this.#pub.duplicate({ disableOfflineQueue: false });
    for (const client of [this.#pub, this.#sub]) {
      client.on('error', (error: Error) => this.#down(`Redis at ${redactUrl(settings.url)} unreachable: ${error.message}`));
      client.on('ready', () => this.#maybeUp());
    }
    void this.#start();
  }

  get status(): BusStatus {
    return this.#status;
  }

  ready(): Promise<void> {
    return this.#readyPromise;
  }

  channel(name: string, listener: BusChannelListener): BusChannel {
    if (this.#closed) throw new Error('redisBus: the bus is closed');
    if (typeof name !== 'string' || name === '' || name.includes('\n')) {
      throw new TypeError(`bus.channel: name must be a non-empty string without line breaks, got ${describeValue(name)}`);
    }
    if (this.#channels.has(name)) throw new Error(`bus.channel: channel "${name}" is already open on this node`);
    const state: ChannelState = { name, listener, own: new Map(), version: 0, seq: 0, remote: new Map() };
    this.#channels.set(name, state);
    // Before #start connected, #start subscribes; after, the client subscribes again by itself on reconnects.
    if (this.#subscribing) {
      void this.#subscribe(name).then(() => {
        if (this.#status.state === 'connected') void this.#sync(); // read the others' entries on it
      }, () => {});
    }
    return {
      publish: (message) => this.#publish(state, message),
      setEntry: (key, value) => this.#setEntry(state, key, value),
      deleteEntry: (key) => this.#deleteEntry(state, key),
      close: () => this.#closeChannel(state),
    };
  }

  /** The relay seam: `multiplayerPeer.bus = bus` before createServer() calls this (one server per bus). */
  join(node: RelayNode): RelayLink {
    if (this.#relay !== null || this.#closed) {
      const refused = this.#closed ? ErrorCode.ERR_UNCONFIGURED : ErrorCode.ERR_ALREADY_IN_USE;
      return { newId: () => 0, joined() {}, left() {}, publish() {}, leave() {}, ready: () => Promise.resolve(refused) };
    }
    const link: RedisRelayLink = new RedisRelayLink(node, {
      open: (listener) => {
        const channel = this.channel(RELAY_CHANNEL, listener);
        return {
          ...channel,
          close: () => {
            channel.close();
            if (this.#relay === link) this.#relay = null;
            void this.#releaseSlot();
          },
        };
      },
      slot: () => this.#slot,
      joined: () =>
        this.#closed
          ? Promise.resolve(ErrorCode.ERR_UNCONFIGURED)
          : this.#slot !== null && this.#status.state === 'connected'
            ? Promise.resolve(ErrorCode.OK)
            : new Promise((resolve) => this.#relayJoined.push(resolve)),
    });
    this.#relay = link;
    return link;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const resolve of this.#relayJoined.splice(0)) resolve(ErrorCode.ERR_UNCONFIGURED);
    this.#clearTimers();
    this.#rejectReady(new Error('redisBus: closed before it joined'));
    const pub = this.#pub;
    if (pub.isReady) {
      const multi = pub.multi();
      multi.del(this.#entriesKey(this.nodeId));
      multi.sRem(this.#nodesKey(), this.nodeId);
      multi.del(this.#nodeKey(this.nodeId));
      multi.publish(this.#controlKey(), JSON.stringify({ gone: this.nodeId }));
      await multi.exec().catch(() => {});
      await this.#releaseSlot();
    }
    this.#flushLosses();
    this.#setStatus({ state: 'closed' });
    for (const client of [this.#sub, this.#pub]) {
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    }
    this.#channels.clear();
  }

  // ---- the link ----

  async #start(): Promise<void> {
    try {
      await this.#pub.connect();
      await this.#sub.connect();
      await this.#sub.subscribe(this.#controlKey(), (message: string) => this.#onControl(message));
      this.#subscribing = true; // from now on channel() subscribes by itself
      await Promise.all([...this.#channels.keys()].map((name) => this.#subscribe(name)));
    } catch (error) {
      if (!this.#closed) this.#down(`Redis at ${redactUrl(this.#settings.url)} unreachable: ${(error as Error).message}`);
      return;
    }
    this.#heartbeat = setInterval(() => void this.#beat(), this.#settings.heartbeatInterval);
    this.#maybeUp();
  }

  #down(cause: string): void {
    if (this.#closed) return;
    this.#syncGeneration++; // a sync in flight is void
    // Reported once per outage, with its first cause (a reconnecting client repeats itself).
    if (this.#status.state !== 'partitioned') this.#setStatus({ state: 'partitioned', cause });
    // Cut off longer than a node's expiry: the others have dropped this node by now, so it drops them.
    this.#expiry ??= setTimeout(() => {
      this.#expiry = null;
      if (this.#status.state === 'partitioned') for (const node of this.#remoteNodes()) this.#dropNode(node, false);
    }, this.#settings.nodeExpiry);
  }

  #maybeUp(): void {
    if (this.#closed || !this.#pub.isReady || !this.#sub.isReady || this.#heartbeat === null) return;
    if (this.#status.state === 'connected') return;
    void this.#sync();
  }

  /** Writes this node's state, then reads every node's: the view is current when it resolves. */
  async #sync(): Promise<void> {
    const generation = ++this.#syncGeneration;
    this.#loading++;
    try {
      const pub = this.#pub;
      const fields: Record<string, string> = {};
      for (const channel of this.#channels.values()) {
        fields[`v\n${channel.name}`] = String(channel.version);
        for (const [key, value] of channel.own) fields[`e\n${channel.name}\n${key}`] = value;
      }
      const multi = pub.multi();
      multi.del(this.#entriesKey(this.nodeId));
      if (Object.keys(fields).length > 0) multi.hSet(this.#entriesKey(this.nodeId), fields);
      multi.sAdd(this.#nodesKey(), this.nodeId);
      multi.set(this.#nodeKey(this.nodeId), '1', { expiration: { type: 'PX', value: this.#settings.nodeExpiry } });
      multi.publish(this.#controlKey(), JSON.stringify({ resync: this.nodeId }));
      await multi.exec();
      if (this.#relay !== null) await this.#leaseSlot();
      const nodes = (await pub.sMembers(this.#nodesKey())).filter((node) => node !== this.nodeId);
      const snapshots = await Promise.all(nodes.map((node) => pub.hGetAll(this.#entriesKey(node))));
      if (generation !== this.#syncGeneration || this.#closed) return;
      const seen = new Set(nodes);
      for (const node of this.#remoteNodes()) if (!seen.has(node)) this.#dropNode(node, false);
      nodes.forEach((node, i) => this.#applySnapshot(node, snapshots[i]!));
      if (this.#expiry !== null) clearTimeout(this.#expiry);
      this.#expiry = null;
      this.#setStatus({ state: 'connected' });
      this.#resolveReady();
      if (this.#slot !== null) for (const resolve of this.#relayJoined.splice(0)) resolve(ErrorCode.OK);
    } catch (error) {
      // The link went down halfway: the next 'ready' syncs again.
      if (generation === this.#syncGeneration && !this.#closed) this.#down(`Redis sync failed: ${(error as Error).message}`);
    } finally {
      this.#doneLoading();
    }
  }

  async #loadNode(node: string): Promise<void> {
    this.#loading++;
    try {
      const snapshot = await this.#pub.hGetAll(this.#entriesKey(node));
      if (!this.#closed) this.#applySnapshot(node, snapshot);
    } catch {
      // Unreachable: the next sync reads it.
    } finally {
      this.#doneLoading();
    }
  }

  #doneLoading(): void {
    if (--this.#loading > 0) return;
    const buffered = this.#buffered;
    this.#buffered = [];
    for (const { channel, envelope } of buffered) this.#apply(channel, envelope);
  }

  /** Heartbeat, and a look at the other nodes' heartbeats. */
  async #beat(): Promise<void> {
    const pub = this.#pub;
    if (this.#beating || !pub.isReady || this.#closed) return;
    this.#beating = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const answer = pub.sendCommand(['SET', this.#nodeKey(this.nodeId), '1', 'PX', String(this.#settings.nodeExpiry), 'GET']);
      // A Redis that stops answering without closing the connection (stopped, overloaded, a
      // silent network) is a partition too: reported once the heartbeat is this late.
      const limit = this.#settings.nodeExpiry - this.#settings.heartbeatInterval;
      const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), limit)));
      const previous = await Promise.race([answer, late]);
      clearTimeout(timer);
      if (previous === LATE) {
        this.#down(`Redis at ${redactUrl(this.#settings.url)} did not answer a heartbeat within ${limit} ms`);
        await answer.catch(() => {}); // no more heartbeats until it answers: then the next one resynchronises
        return;
      }
      if (this.#status.state !== 'connected') {
        if (this.#loading === 0) void this.#sync(); // it answers again
        return;
      }
      if (previous === null) {
        // Expired while this node was slow or cut off: the others dropped its entries. Write them again.
        void this.#sync();
        return;
      }
      if (this.#relay !== null) await this.#leaseSlot();
      const nodes = (await pub.sMembers(this.#nodesKey())).filter((node) => node !== this.nodeId);
      const alive = await Promise.all(nodes.map((node) => pub.exists(this.#nodeKey(node))));
      const listed = new Set(nodes);
      for (const node of this.#remoteNodes()) if (!listed.has(node)) this.#dropNode(node, true);
      for (let i = 0; i < nodes.length; i++) {
        // A node this one has not read yet (its resync came while this node's subscription was down): read it now.
        if (alive[i] !== 0 && !this.#known.has(nodes[i]!)) void this.#loadNode(nodes[i]!);
        if (alive[i] !== 0) continue;
        const node = nodes[i]!;
        this.#dropNode(node, true);
        // Whoever removes it from the set cleans up after it and tells everyone.
        if ((await pub.sRem(this.#nodesKey(), node)) === 1) {
          const multi = pub.multi();
          multi.del(this.#entriesKey(node));
          multi.publish(this.#controlKey(), JSON.stringify({ gone: node }));
          await multi.exec();
        }
      }
    } catch {
      // The error event reports the partition.
    } finally {
      clearTimeout(timer);
      this.#beating = false;
    }
  }

  /**
   * Renews this node's slot, or leases one: the one it had if still free (ids it gave stay
   * its own), else a random free one. A slot taken over while this node was cut off means
   * new ids come from another slot; the ids already given keep their old slot.
   */
  async #leaseSlot(): Promise<void> {
    const lease = (slot: number): Promise<unknown> =>
      this.#pub.sendCommand(['EVAL', LEASE_SLOT, '1', this.#slotKey(slot), this.nodeId, String(this.#settings.nodeExpiry)]);
    if (this.#slot !== null && (await lease(this.#slot)) === 1) return;
    const start = Math.floor(Math.random() * SLOT_COUNT);
    for (let i = 0; i < SLOT_COUNT; i++) {
      const slot = (start + i) % SLOT_COUNT;
      if ((await lease(slot)) === 1) {
        this.#slot = slot;
        return;
      }
    }
    this.#slot = null;
    throw new Error(`every one of the ${SLOT_COUNT} id slots is leased by another node`);
  }

  async #releaseSlot(): Promise<void> {
    const slot = this.#slot;
    this.#slot = null;
    if (slot === null || !this.#pub.isReady) return;
    await this.#pub
      .sendCommand(['EVAL', `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`, '1', this.#slotKey(slot), this.nodeId])
      .catch(() => {});
  }

  // ---- channels ----

  #publish(channel: ChannelState, message: Uint8Array): void {
    if (!(message instanceof Uint8Array)) throw new TypeError('bus channel publish: message must be a Uint8Array');
    if (!this.#channels.has(channel.name)) return this.#lose(channel.name, 'the channel is closed');
    if (!this.#pub.isReady || this.#status.state !== 'connected') {
      return this.#lose(channel.name, this.#status.cause ?? `the bus is ${this.#status.state}`);
    }
    const envelope = encodeMessage(++channel.seq, this.nodeId, message);
    this.#pub.publish(this.#channelKey(channel.name), Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength)).catch(
      (error: Error) => this.#lose(channel.name, `PUBLISH failed: ${error.message}`),
    );
  }

  #setEntry(channel: ChannelState, key: string, value: string): void {
    if (typeof key !== 'string' || typeof value !== 'string') throw new TypeError('bus channel setEntry: key and value must be strings');
    if (!this.#channels.has(channel.name) || channel.own.get(key) === value) return;
    channel.own.set(key, value);
    const version = ++channel.version;
    if (!this.#pub.isReady || this.#status.state !== 'connected') return; // written on resync
    const multi = this.#pub.multi();
    multi.hSet(this.#entriesKey(this.nodeId), { [`e\n${channel.name}\n${key}`]: value, [`v\n${channel.name}`]: String(version) });
    multi.publish(this.#channelKey(channel.name), Buffer.from(encodeSet(version, this.nodeId, key, value)));
    multi.exec().catch(() => {}); // the partition is reported; the entry is written again on resync
  }

  #deleteEntry(channel: ChannelState, key: string): void {
    if (!channel.own.delete(key)) return;
    const version = ++channel.version;
    if (!this.#pub.isReady || this.#status.state !== 'connected') return;
    const multi = this.#pub.multi();
    multi.hDel(this.#entriesKey(this.nodeId), `e\n${channel.name}\n${key}`);
    multi.hSet(this.#entriesKey(this.nodeId), `v\n${channel.name}`, String(version));
    multi.publish(this.#channelKey(channel.name), Buffer.from(encodeDel(version, this.nodeId, key)));
    multi.exec().catch(() => {});
  }

  #closeChannel(channel: ChannelState): void {
    if (this.#channels.get(channel.name) !== channel) return;
    for (const key of [...channel.own.keys()]) this.#deleteEntry(channel, key);
    this.#channels.delete(channel.name);
    void this.#sub.unsubscribe(this.#channelKey(channel.name)).catch(() => {});
  }

  #subscribe(name: string): Promise<void> {
    return this.#sub.subscribe(this.#channelKey(name), (message: Buffer) => this.#onEnvelope(name, message), true);
  }

  #onEnvelope(channelName: string, bytes: Buffer): void {
    const envelope = decodeEnvelope(bytes);
    if (envelope === null || envelope.node === this.nodeId) return;
    if (this.#loading > 0) this.#buffered.push({ channel: channelName, envelope });
    else this.#apply(channelName, envelope);
  }

  #apply(channelName: string, envelope: Envelope): void {
    const channel = this.#channels.get(channelName);
    if (channel === undefined) return;
    const { node } = envelope;
    const id = `${node}\n${channelName}`;
    if (envelope.kind === EnvelopeKind.MESSAGE) {
      const last = this.#lastSeq.get(id);
      if (last !== undefined && envelope.counter > last + 1) {
        this.#report({
          channel: channelName,
          direction: 'receive',
          count: envelope.counter - last - 1,
          node,
          cause: 'messages from that node never arrived (this node was cut off from Redis)',
        });
      }
      if (last === undefined || envelope.counter > last) this.#lastSeq.set(id, envelope.counter);
      channel.listener.message(envelope.payload, node);
      return;
    }
    if (envelope.counter <= (this.#versions.get(id) ?? 0)) return; // the snapshot already has it
    this.#versions.set(id, envelope.counter);
    let entries = channel.remote.get(node);
    if (envelope.kind === EnvelopeKind.SET) {
      if (entries === undefined) channel.remote.set(node, (entries = new Map()));
      if (entries.get(envelope.key) === envelope.value) return;
      entries.set(envelope.key, envelope.value);
      channel.listener.entrySet(envelope.key, envelope.value, node);
    } else if (entries?.delete(envelope.key) === true) {
      if (entries.size === 0) channel.remote.delete(node);
      channel.listener.entryDeleted(envelope.key, node);
    }
  }

  #applySnapshot(node: string, hash: Record<string, string>): void {
    this.#known.add(node);
    const byChannel = new Map<string, Map<string, string>>();
    const versions = new Map<string, number>();
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith('v\n')) versions.set(field.slice(2), Number(value));
      else if (field.startsWith('e\n')) {
        const split = field.indexOf('\n', 2);
        if (split < 0) continue;
        const channel = field.slice(2, split);
        let entries = byChannel.get(channel);
        if (entries === undefined) byChannel.set(channel, (entries = new Map()));
        entries.set(field.slice(split + 1), value);
      }
    }
    for (const channel of this.#channels.values()) {
      const id = `${node}\n${channel.name}`;
      const version = versions.get(channel.name) ?? 0;
      this.#versions.set(id, version);
      this.#replaceEntries(channel, node, byChannel.get(channel.name) ?? new Map());
    }
  }

  #replaceEntries(channel: ChannelState, node: string, next: Map<string, string>): void {
    const previous = channel.remote.get(node) ?? new Map<string, string>();
    if (next.size === 0) channel.remote.delete(node);
    else channel.remote.set(node, next);
    for (const key of previous.keys()) if (!next.has(key)) channel.listener.entryDeleted(key, node);
    for (const [key, value] of next) if (previous.get(key) !== value) channel.listener.entrySet(key, value, node);
  }

  /** Forgets a node's entries (it is gone, or this node is cut off); `forever` also forgets its sequence numbers. */
  #dropNode(node: string, forever: boolean): void {
    this.#known.delete(node);
    for (const channel of this.#channels.values()) {
      this.#replaceEntries(channel, node, new Map());
      this.#versions.delete(`${node}\n${channel.name}`);
      if (forever) this.#lastSeq.delete(`${node}\n${channel.name}`);
    }
  }

  #remoteNodes(): Set<string> {
    const nodes = new Set<string>();
    for (const channel of this.#channels.values()) for (const node of channel.remote.keys()) nodes.add(node);
    return nodes;
  }

  #onControl(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    const { resync, gone } = (parsed ?? {}) as { resync?: unknown; gone?: unknown };
    if (typeof gone === 'string' && gone !== this.nodeId) this.#dropNode(gone, true);
    // Read it even while this node's own sync is in flight: that sync may have read the set of nodes before it.
    if (typeof resync === 'string' && resync !== this.nodeId && this.#pub.isReady) void this.#loadNode(resync);
  }

  // ---- reports ----

  #lose(channel: string, cause: string): void {
    const key = `${channel}\n${cause}`;
    const pending = this.#pendingLosses.get(key);
    if (pending !== undefined) {
      this.#pendingLosses.set(key, { ...pending, count: pending.count + 1 });
    } else {
      this.#pendingLosses.set(key, { channel, direction: 'send', count: 1, cause });
    }
    // Messages lost together are reported together, once the current burst is over.
    this.#lossFlush ??= setImmediate(() => this.#flushLosses());
  }

  #flushLosses(): void {
    if (this.#lossFlush !== null) clearImmediate(this.#lossFlush);
    this.#lossFlush = null;
    const losses = [...this.#pendingLosses.values()];
    this.#pendingLosses.clear();
    for (const loss of losses) this.#report(loss);
  }

  #report(loss: BusLoss): void {
    this.#settings.onLoss?.(loss);
    this.#channels.get(loss.channel)?.listener.loss?.(loss);
  }

  #setStatus(status: BusStatus): void {
    if (status.state === this.#status.state) return;
    this.#status = status;
    this.#settings.onStatus?.(status);
    for (const channel of [...this.#channels.values()]) channel.listener.status?.(status);
  }

  #clearTimers(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    if (this.#expiry !== null) clearTimeout(this.#expiry);
    this.#heartbeat = null;
    this.#expiry = null;
  }

  #nodesKey(): string {
    return `${this.#settings.prefix}:nodes`;
  }
  #nodeKey(node: string): string {
    return `${this.#settings.prefix}:node:${node}`;
  }
  #entriesKey(node: string): string {
    return `${this.#settings.prefix}:entries:${node}`;
  }
  #channelKey(name: string): string {
    return `${this.#settings.prefix}:c:${name}`;
  }
  #slotKey(slot: number): string {
    return `${this.#settings.prefix}:slot:${slot}`;
  }
  #controlKey(): string {
    return `${this.#settings.prefix}:control`;
  }
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@');
}
