// Godot 3's WebSocketServer / WebSocketClient with gd_mp_api = true are NetworkedMultiplayerPeers
// speaking Godot 3's multiplayer wire protocol: here they hand the work to a
// WebSocketMultiplayerPeer and re-emit its signals as their own, inside their own poll().
import type { MultiplayerPeerSignals, WebSocketMultiplayerPeer } from '../multiplayer/websocket-multiplayer-peer.js';
import type { Emission } from '../signals.js';

/** The NetworkedMultiplayerPeer signals Godot 3's classes emit in multiplayer mode. */
export type MultiplayerBridgeSignals = MultiplayerPeerSignals;

/** Every signal forwarded, in the order they are listened to. */
export const MULTIPLAYER_SIGNAL_NAMES: readonly (keyof MultiplayerPeerSignals)[] = [
  'peer_connected',
  'peer_disconnected',
  'peer_packet',
  'connection_succeeded',
  'connection_failed',
  'server_disconnected',
];

/** Calls `emit` with every signal `multiplayer` emits, in order (inside its poll()). */
export function forwardMultiplayerSignals(
  multiplayer: WebSocketMultiplayerPeer,
  emit: (emission: Emission<MultiplayerPeerSignals>) => void,
): void {
  for (const name of MULTIPLAYER_SIGNAL_NAMES) {
    multiplayer.on(name, (...args: MultiplayerPeerSignals[typeof name]) => emit([name, args] as Emission<MultiplayerPeerSignals>));
  }
}
