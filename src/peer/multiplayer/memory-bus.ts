// A relay bus inside one process: several WebSocketMultiplayerPeer servers (each on its own
// port, or its own MemoryNetwork) act as one cluster. Deterministic (ids 2, 3, 4, … in
// order, every call delivered at once, in order), so it is both the reference for the rules
// in relay.ts and the way to test a cluster without Redis.
import { ErrorCode } from '../constants.js';
import type { RelayBus, RelayLink, RelayNode } from './relay.js';
import { MAX_PEER_ID, MIN_CLIENT_ID } from './wire-format.js';

/** A relay bus whose nodes all live in this process (see relay.ts for what a bus promises). */
export interface MemoryBus extends RelayBus {
  /** The ids of every client in the cluster, by node, in join order (for tests). */
  readonly nodes: readonly (readonly number[])[];
  /** Makes a node vanish as a crashed process would: every other node hears its clients leave. */
  kill(index: number): void;
}

class MemoryLink implements RelayLink {
  /** This node's clients, in join order. */
  readonly clients = new Set<number>();
  #gone = false;

  constructor(
    readonly bus: MemoryBusImpl,
    readonly node: RelayNode,
  ) {}

  newId(isTaken: (id: number) => boolean): number {
    return this.bus.newId(isTaken);
  }

  joined(id: number): void {
    if (this.#gone || this.clients.has(id)) return;
    this.clients.add(id);
    for (const other of this.bus.others(this)) other.node.peerJoined(id);
  }

  left(id: number): void {
    if (this.#gone || !this.clients.delete(id)) return;
    for (const other of this.bus.others(this)) other.node.peerLeft(id);
  }

  publish(from: number, to: number, payload: Uint8Array): void {
    if (this.#gone) return;
    for (const other of this.bus.others(this)) {
      if (to > 1 && !other.clients.has(to)) continue;
      other.node.packet(from, to, payload);
    }
  }

  ready(): Promise<ErrorCode> {
    return Promise.resolve(this.#gone ? ErrorCode.ERR_UNCONFIGURED : ErrorCode.OK);
  }

  leave(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.bus.remove(this);
    for (const id of this.clients) for (const other of this.bus.others(this)) other.node.peerLeft(id);
    this.clients.clear();
  }
}

class MemoryBusImpl implements MemoryBus {
  readonly #links: MemoryLink[] = [];
  #nextId = MIN_CLIENT_ID;

  get nodes(): readonly (readonly number[])[] {
    return this.#links.map((link) => [...link.clients]);
  }

  join(node: RelayNode): RelayLink {
    const link = new MemoryLink(this, node);
    for (const other of this.#links) for (const id of other.clients) node.peerJoined(id);
    this.#links.push(link);
    return link;
  }

  kill(index: number): void {
    this.#links[index]?.leave();
  }

  newId(isTaken: (id: number) => boolean): number {
    const inCluster = (id: number): boolean => this.#links.some((link) => link.clients.has(id));
    for (let tries = 0; tries <= MAX_PEER_ID; tries++) {
      const id = this.#nextId;
      this.#nextId = id >= MAX_PEER_ID ? MIN_CLIENT_ID : id + 1;
      if (!isTaken(id) && !inCluster(id)) return id;
    }
    throw new RangeError('MemoryBus: every client id is in use');
  }

  others(link: MemoryLink): MemoryLink[] {
    return this.#links.filter((other) => other !== link);
  }

  remove(link: MemoryLink): void {
    const index = this.#links.indexOf(link);
    if (index >= 0) this.#links.splice(index, 1);
  }
}

/** A fresh in-process relay bus: set it as `bus` on several servers before `createServer()`. */
export function createMemoryBus(): MemoryBus {
  return new MemoryBusImpl();
}
