import { joinInMemory } from '../peer/memory/memory-transport.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';

/**
 * Two peers joined in memory: no sockets, fully deterministic. Both start CONNECTING
 * and are OPEN after their first poll(); what one sends the other sees after its next
 * poll(). See README "Testing your pipelines".
 */
export function createMemoryPair(): [WebSocketPeer, WebSocketPeer] {
  const a = new WebSocketPeer();
  const b = new WebSocketPeer();
  joinInMemory(a, b);
  return [a, b];
}
