// The relay seam: how a WebSocketMultiplayerPeer server shares its clients with other
// servers (other processes, other machines) so that they form one game. A server with a
// bus (`peer.bus = bus` before `createServer()`) joins the bus as one node; the bus carries
// what one node's clients do to every other node. Without a bus a server is a cluster of
// one (the default). The bus never touches a WebSocketPeer: the server keeps its own
// connections and only asks the bus about ids and what happens elsewhere.
//
// Rules every bus keeps (the in-memory bus, memory-bus.ts, is the reference):
// - Ids are unique across the cluster: `newId()` never returns an id that any node's client
//   holds, or held until its leave reached every node.
// - Every node hears of every client of every other node: `peerJoined` once, `peerLeft`
//   once, in that order; a node that joins late hears `peerJoined` for every client already
//   there. A node that leaves or dies has each of its clients reported left everywhere.
// - Packets keep each sender's order: two packets `publish`ed by one node from one sender
//   reach each other node in that order. A packet from a client is never delivered before
//   that client's `peerJoined` nor after its `peerLeft` at the receiving node.
// - Delivery is at most once. A bus that cannot deliver says so through `RelayNode.dropped`,
//   so the server counts the loss (getDroppedPacketCount) like any other.
//
// Calls into a RelayNode may come at any time (a Redis subscription's callback): the server
// only queues them and applies them in its next poll(), as it does with its own sockets.
import type { ErrorCode } from '../constants.js';

/** What a bus tells one server about the rest of the cluster. The server queues each call until its next poll(). */
export interface RelayNode {
  /** A client joined another node. This server's clients get ADD(id); here `peer_connected(id)`. */
  peerJoined(id: number): void;
  /** A client of another node left (or its node died). DEL(id) and `peer_disconnected(id)`; unknown ids are ignored. */
  peerLeft(id: number): void;
  /**
   * A data packet sent elsewhere by `from` (a client's id, or 1 for that node's own
   * server), addressed as Godot 3 addresses it: `to` > 1 one client, 0 every client, < 0
   * every client but −to. The server hands it to its matching clients, never back to
   * `from`. A client's packet to 1 stays at its own node: 1 is always "my server".
   */
  packet(from: number, to: number, payload: Uint8Array): void;
  /** The bus lost `count` packets meant for this node's clients (counted as dropped here). */
  dropped?(count: number): void;
}

/** One server's place in the cluster, from `RelayBus.join()`. */
export interface RelayLink {
  /** A fresh client id in [2, 2³¹ − 1], unique across the cluster; `isTaken` names the ids in use at this node. */
  newId(isTaken: (id: number) => boolean): number;
  /** A client of this node joined (after its handshake): every other node's `peerJoined(id)`. */
  joined(id: number): void;
  /** A client of this node left: every other node's `peerLeft(id)`. */
  left(id: number): void;
  /**
   * A data packet from this node: `from` is the sender (a client here, or 1 for this
   * server), `to` the address (a client of another node, 0 every client, < 0 every client
   * but −to). `payload` is the application's bytes, without any wire header; the bus may
   * keep the reference until it is sent, and never changes it.
   */
  publish(from: number, to: number, payload: Uint8Array): void;
  /** OK once the node is in the cluster, or why it could not join. Never rejects. Absent: at once. */
  ready?(): Promise<ErrorCode>;
  /** Leaves the cluster: every other node hears `peerLeft` for each client of this one. Idempotent. */
  leave(): void;
}

/** A cluster of servers. `join` is called by `createServer()`, `leave` by `close()` (or a failed bind). */
export interface RelayBus {
  join(node: RelayNode): RelayLink;
}
