// Peers and servers made by a test are torn down after it, so no socket outlives the test.
import { State } from '../../src/peer/constants.js';
import { WebSocketPeer } from '../../src/peer/websocket-peer.js';
import { pollUntilState } from './poll.js';
import { closeAllServers } from './ws-server.js';

const peers = new Set<WebSocketPeer>();
const extra: (() => unknown)[] = [];

/** A WebSocketPeer that cleanUp() aborts after the test. */
export function newPeer(): WebSocketPeer {
  const peer = new WebSocketPeer();
  peers.add(peer);
  return peer;
}

/** Runs `fn` (last registered first) in cleanUp(). */
export function onCleanUp(fn: () => unknown): void {
  extra.push(fn);
}

/** afterEach: aborts every peer, closes every server, and waits until every peer is CLOSED. */
export async function cleanUp(): Promise<void> {
  for (const peer of peers) peer.close(-1);
  try {
    await closeAllServers();
    while (extra.length > 0) await extra.pop()!();
    // A peer left CLOSING (close(-1) does not abort it) ends when its server hangs up.
    for (const peer of peers) {
      if (peer.getReadyState() !== State.CLOSED) await pollUntilState(peer, State.CLOSED);
    }
  } finally {
    peers.clear();
    extra.length = 0;
  }
}
