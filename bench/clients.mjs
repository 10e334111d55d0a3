// The five clients compared in part 1, each behind the same small adapter:
// { send(bytes): boolean, onMessage(byteLength), close(): Promise<void> }.
// All of them run on ws underneath; what differs is the layer a user writes against.
import { fromPeer, State, ErrorCode, WebSocketPeer } from 'rxpeer';
import { webSocket } from 'rxjs/webSocket';
import WebSocket from 'ws';
import { PEER_BUFFER_BYTES, within } from './common.mjs';

const noop = () => {};

export const CLIENTS = {
  ws: { label: 'raw ws (ceiling)', open: openRawWs },
  rxjs: { label: 'RxJS webSocket on ws', open: openRxjs },
  'peer-loop': { label: 'WebSocketPeer, tight poll loop', open: openPeerLoop },
  'from-peer': { label: 'fromPeer, on demand', open: (url) => openFromPeer(url, {}) },
  'from-peer-1ms': { label: 'fromPeer, 1 ms beat', open: (url) => openFromPeer(url, { pollInterval: 1 }) },
};

export const CLIENT_ORDER = Object.keys(CLIENTS);

/** The raw ws client, as a user of ws writes it (perMessageDeflate off, as everywhere here). */
export function openRawWs(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const conn = {
    onMessage: noop,
    send(bytes) {
      ws.send(bytes);
      return true;
    },
    close() {
      if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.close(1000);
      return closed;
    },
    terminate: () => ws.terminate(),
  };
  ws.on('message', (data) => conn.onMessage(data.length));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(conn));
    ws.once('error', reject);
  });
}

/**
 * RxJS 7's webSocket with ws as its WebSocketCtor. Identity serializer and deserializer,
 * binaryType 'arraybuffer': the transport is measured, not JSON. RxJS constructs ws
 * with ws's defaults (it cannot pass options), so it offers permessage-deflate; the echo
 * server has it off, so nothing is negotiated (the server's counts confirm it).
 */
export function openRxjs(url) {
  return new Promise((resolve, reject) => {
    let closed = noop;
    const conn = {
      onMessage: noop,
      send(bytes) {
        subject.next(bytes);
        return true;
      },
      close() {
        const done = new Promise((r) => (closed = r));
        subject.complete();
        return done;
      },
    };
    const subject = webSocket({
      url,
      WebSocketCtor: WebSocket,
      binaryType: 'arraybuffer',
      serializer: (value) => value,
      deserializer: (event) => event.data,
      openObserver: { next: () => resolve(conn) },
      closeObserver: { next: () => closed() },
    });
    subject.subscribe({ next: (data) => conn.onMessage(data.byteLength), error: reject });
  });
}

function newPeer() {
  const peer = new WebSocketPeer();
  // As the raw ws client above: no permessage-deflate offer, so both send the same
  // handshake and set-up time compares like with like (the servers refuse it anyway).
  peer.perMessageDeflate = false;
  peer.inboundBufferSize = PEER_BUFFER_BYTES;
  peer.outboundBufferSize = PEER_BUFFER_BYTES;
  return peer;
}

/** A WebSocketPeer polled as fast as Node allows: a Godot _process() loop on setImmediate. */
export function openPeerLoop(url) {
  const peer = newPeer();
  if (peer.connectToUrl(url) !== ErrorCode.OK) return Promise.reject(new Error(`connectToUrl(${url}) refused`));
  return new Promise((resolve, reject) => {
    let opened = false;
    let closed = noop;
    const conn = {
      onMessage: noop,
      send: (bytes) => peer.send(bytes) === ErrorCode.OK,
      close() {
        const done = new Promise((r) => (closed = r));
        peer.close(1000);
        return done;
      },
      terminate: () => peer.close(-1),
    };
    const loop = () => {
      peer.poll();
      const state = peer.getReadyState();
      if (state === State.OPEN) {
        if (!opened) {
          opened = true;
          resolve(conn);
        }
        while (peer.getAvailablePacketCount() > 0) conn.onMessage(peer.getPacket().byteLength);
      } else if (state === State.CLOSED) {
        if (!opened) reject(new Error(`peer closed before OPEN (code ${peer.getCloseCode()})`));
        closed();
        return;
      }
      setImmediate(loop);
    };
    setImmediate(loop);
  });
}

/** fromPeer with state$ and packets$ subscribed: on demand (default) or on a fixed beat. */
export function openFromPeer(url, options) {
  const peer = newPeer();
  if (peer.connectToUrl(url) !== ErrorCode.OK) return Promise.reject(new Error(`connectToUrl(${url}) refused`));
  const socket = fromPeer(peer, options);
  return new Promise((resolve, reject) => {
    let opened = false;
    const conn = {
      onMessage: noop,
      send: (bytes) => socket.send(bytes) === ErrorCode.OK,
      close() {
        const done = new Promise((r) => socket.close$.subscribe(() => r()));
        socket.close(1000);
        return done;
      },
      terminate: () => socket.close(-1),
    };
    socket.state$.subscribe((state) => {
      if (state === State.OPEN && !opened) {
        opened = true;
        resolve(conn);
      } else if (state === State.CLOSED && !opened) {
        reject(new Error(`peer closed before OPEN (code ${peer.getCloseCode()})`));
      }
    });
    socket.packets$.subscribe({ next: (packet) => conn.onMessage(packet.data.byteLength), error: noop });
  });
}

/** Closes cleanly, or gives up after `ms` (the connection is dropped with the process). */
export function closeWithin(conn, ms) {
  return within(conn.close(), ms, 'close').catch(() => conn.terminate?.());
}
