export {
  ConnectionStatus,
  TargetPeer,
  WebSocketMultiplayerPeer,
  type MultiplayerPacket,
  type MultiplayerPeerSignals,
} from './websocket-multiplayer-peer.js';
export type { MultiplayerWireFormat } from './wire-format.js';
