export {
  ConnectionStatus,
  TargetPeer,
  WebSocketMultiplayerPeer,
  type MultiplayerPacket,
  type MultiplayerPeerSignals,
} from './websocket-multiplayer-peer.js';
export type { MultiplayerWireFormat } from './wire-format.js';
export type { RelayBus, RelayLink, RelayNode } from './relay.js';
export { createMemoryBus, type MemoryBus } from './memory-bus.js';
