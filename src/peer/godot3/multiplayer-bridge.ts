// Godot 3's WebSocketServer / WebSocketClient with gd_mp_api = true are NetworkedMultiplayerPeers
// speaking Godot 3's multiplayer wire protocol: here they hand the work to a
// WebSocketMultiplayerPeer and re-emit its signals as their own, inside their own poll().
import { MULTIPLAYER_PEER_SIGNAL_NAMES } from '../multiplayer/multiplayer-types.js';
import type { MultiplayerPeerSignals, WebSocketMultiplayerPeer } from '../multiplayer/websocket-multiplayer-peer.js';
import type { Emission } from '../signals.js';

/** The NetworkedMultiplayerPeer signals Godot 3's classes emit in multiplayer mode. */
export type MultiplayerBridgeSignals = MultiplayerPeerSignals;

/** Every signal forwarded, in the order they are listened to: all but rxpeer's `packets_dropped`, which Godot 3 has not. */
export const MULTIPLAYER_SIGNAL_NAMES: readonly (keyof MultiplayerPeerSignals)[] = MULTIPLAYER_PEER_SIGNAL_NAMES.filter(
  (name) => name !== 'packets_dropped',
);

/** Calls `emit` with every signal `multiplayer` emits, in order (inside its poll()). */
export function forwardMultiplayerSignals(
  multiplayer: WebSocketMultiplayerPeer,
  emit: (emission: Emission<MultiplayerPeerSignals>) => void,
): void {
  for (const name of MULTIPLAYER_SIGNAL_NAMES) {
    multiplayer.on(name, (...args: MultiplayerPeerSignals[typeof name]) => emit([name, args] as Emission<MultiplayerPeerSignals>));
  }
}
