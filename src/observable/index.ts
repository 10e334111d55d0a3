export { fromPeer, type ObservablePeer, type FromPeerOptions } from './observable-peer.js';
export { type CloseInfo, WebSocketCloseError, WebSocketPeerError } from './errors.js';
export { connect, type ConnectOptions, type PeerOptions } from './connect.js';
export type { ResumeOptions } from './session/options.js';
export {
  fromMultiplayerPeer,
  type MultiplayerCloseReason,
  type ObservableMultiplayerPeer,
} from './observable-multiplayer-peer.js';
export { createHub, type Hub, type HubLoss, type HubOptions, type HubPublishOptions } from './hub.js';
export type { Bus, BusChannel, BusChannelListener, BusLoss, BusStatus } from './bus.js';
