// What joins rxpeer servers in several processes or machines: a bus. This file is only the
// contract (types, no code), so the root package never loads a bus implementation;
// `rxpeer/redis` provides one on Redis (redisBus), and createHub() and the multiplayer relay
// depend on nothing else.

/** The link from this node to the others, as the bus sees it. */
export interface BusStatus {
  /**
   * `connecting`: not yet joined (only local clients are served); `connected`: joined, remote
   * state is current; `partitioned`: the link is down (local clients are still served, what is
   * published now does not cross and is reported lost); `closed`: close() was called.
   */
  readonly state: 'connecting' | 'connected' | 'partitioned' | 'closed';
  /** Why the link is down, in words a person can act on (partitioned only). */
  readonly cause?: string;
}

/** Messages that did not cross between nodes: never dropped silently, always reported. */
export interface BusLoss {
  /** The bus channel (e.g. a hub's name). */
  readonly channel: string;
  /** `send`: this node could not publish them; `receive`: a gap in another node's sequence showed they never arrived here. */
  readonly direction: 'send' | 'receive';
  /** How many messages. */
  readonly count: number;
  /** The other node (receive), or undefined (send: every other node missed them). */
  readonly node?: string;
  readonly cause: string;
}

/** What a channel hears from the other nodes. Called outside of any caller's stack (asynchronously). */
export interface BusChannelListener {
  /** A message another node published on this channel, in the order that node published them. */
  message(message: Uint8Array, node: string): void;
  /** Another node's entry `key` is now `value` (set, or came into view on a resync). */
  entrySet(key: string, value: string, node: string): void;
  /** Another node's entry `key` is gone (deleted, its node died, or the link was down too long). */
  entryDeleted(key: string, node: string): void;
  /** The link changed (optional). */
  status?(status: BusStatus): void;
  /** Something did not cross (optional; the bus also reports it on its own `onLoss`). */
  loss?(loss: BusLoss): void;
}

/**
 * One channel of a bus: messages to the other nodes, and entries (small key → value state that
 * this node owns and every node sees, removed everywhere when this node dies).
 */
export interface BusChannel {
  /** Sends `message` to every other node on this channel. Never throws; a failure is reported as a loss. */
  publish(message: Uint8Array): void;
  /** Sets this node's entry `key`. Kept locally while partitioned and written again on resync. */
  setEntry(key: string, value: string): void;
  deleteEntry(key: string): void;
  /** Leaves the channel: this node's entries on it are deleted everywhere. */
  close(): void;
}

/**
 * A bus between nodes. Guarantee (every implementation): messages from one node on one channel
 * arrive at every other connected node at most once and in the order they were published;
 * what does not arrive is reported (as a `BusLoss`), at the sender if it could not send, at a
 * receiver if it sees a gap. Entries of a node that stops (or is cut off longer than the bus's
 * node expiry) are removed on every other node within a bound the implementation states.
 */
export interface Bus {
  /** This node's id, unique among the live nodes. */
  readonly nodeId: string;
  /** The link now. */
  readonly status: BusStatus;
  /** Opens channel `name` (one listener per name and node; a second open throws). */
  channel(name: string, listener: BusChannelListener): BusChannel;
}
