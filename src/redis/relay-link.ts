// The Redis side of the relay seam: one WebSocketMultiplayerPeer server's place in the
// cluster, on a bus channel. Its clients are entries (so joins and leaves reach every node,
// a node that dies takes its clients with it, and a late node reads who is there); packets
// are channel messages (so each sender's order holds). Ids come from the node's slot.
import { ErrorCode } from '../peer/constants.js';
import type { RelayLink, RelayNode } from '../peer/multiplayer/relay.js';
import { randomClientId } from '../peer/multiplayer/wire-format.js';
import type { BusChannel, BusChannelListener } from '../observable/bus.js';
import { idInSlot } from './id-slots.js';

/** What the link needs from its bus. */
export interface RelayHost {
  /** Opens the relay's channel. */
  open(listener: BusChannelListener): BusChannel;
  /** The slot this node leases, or null before it joined. */
  slot(): number | null;
  /** Resolves OK once the node joined with a slot, or with why it never will (the bus closed). */
  joined(): Promise<ErrorCode>;
}

const PACKET_HEADER = 8;

export class RedisRelayLink implements RelayLink {
  readonly #node: RelayNode;
  readonly #host: RelayHost;
  readonly #channel: BusChannel;
  /** This node's clients. */
  readonly #local = new Set<number>();
  /** Every other node's clients, as announced. */
  readonly #remote = new Set<number>();
  #left = false;

  constructor(node: RelayNode, host: RelayHost) {
    this.#node = node;
    this.#host = host;
    this.#channel = host.open({
      message: (message) => this.#packet(message),
      entrySet: (key) => {
        const id = Number(key);
        if (this.#remote.has(id) || !Number.isInteger(id)) return;
        this.#remote.add(id);
        node.peerJoined(id);
      },
      entryDeleted: (key) => {
        const id = Number(key);
        if (this.#remote.delete(id)) node.peerLeft(id);
      },
      loss: (loss) => node.dropped?.(loss.count),
    });
  }

  newId(isTaken: (id: number) => boolean): number {
    const taken = (id: number): boolean => isTaken(id) || this.#local.has(id) || this.#remote.has(id);
    const slot = this.#host.slot();
    // Before the node joined there is no slot: a random id, as a server alone would give.
    const id = slot === null ? null : idInSlot(slot, taken);
    return id ?? randomClientId(taken);
  }

  joined(id: number): void {
    if (this.#left || this.#local.has(id)) return;
    this.#local.add(id);
    this.#channel.setEntry(String(id), '');
  }

  left(id: number): void {
    if (this.#left || !this.#local.delete(id)) return;
    this.#channel.deleteEntry(String(id));
  }

  publish(from: number, to: number, payload: Uint8Array): void {
    if (this.#left) return;
    // A packet for one client goes only where that client is known to be.
    if (to > 1 && !this.#remote.has(to)) {
      this.#node.dropped?.(1);
      return;
    }
    const message = new Uint8Array(PACKET_HEADER + payload.byteLength);
    const view = new DataView(message.buffer);
    view.setInt32(0, from, true);
    view.setInt32(4, to, true);
    message.set(payload, PACKET_HEADER);
    this.#channel.publish(message);
  }

  ready(): Promise<ErrorCode> {
    return this.#host.joined();
  }

  leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.#channel.close(); // its entries go: every other node hears each client leave
    this.#local.clear();
    this.#remote.clear();
  }

  #packet(message: Uint8Array): void {
    if (this.#left || message.byteLength < PACKET_HEADER) return;
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const from = view.getInt32(0, true);
    const to = view.getInt32(4, true);
    // Targeted packets reach every node; only the target's node takes them.
    if (to > 1 && !this.#local.has(to)) return;
    this.#node.packet(from, to, message.subarray(PACKET_HEADER));
  }
}
