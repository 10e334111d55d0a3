// The demo's messages, JSON in binary multiplayer packets (the Godot demo uses RPCs instead).
// Clients send to the server (id 1); the server broadcasts (target 0).
import type { GameState } from './game.js';

/** Client → server. */
export type ClientMessage = { type: 'name'; name: string } | { type: 'roll' };
/** Server → clients. */
export type ServerMessage = { type: 'state'; state: GameState } | { type: 'log'; text: string };

/** The WebSocket subprotocol of the Godot demo. */
export const PROTOCOL = 'ludus';
/** The Godot demo's port. */
export const DEFAULT_PORT = 8080;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encode(message: ClientMessage | ServerMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

function parse(data: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(data));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A client's message, or null for anything else (ignored by the server). */
export function decodeClientMessage(data: Uint8Array): ClientMessage | null {
  const value = parse(data);
  if (value?.type === 'roll') return { type: 'roll' };
  if (value?.type === 'name' && typeof value.name === 'string') return { type: 'name', name: value.name };
  return null;
}

/** The server's message, or null for anything else. */
export function decodeServerMessage(data: Uint8Array): ServerMessage | null {
  const value = parse(data);
  if (value?.type === 'log' && typeof value.text === 'string') return { type: 'log', text: value.text };
  if (value?.type === 'state' && isState(value.state)) return { type: 'state', state: value.state };
  return null;
}

function isState(value: unknown): value is GameState {
  if (typeof value !== 'object' || value === null) return false;
  const { players, turn } = value as Partial<GameState>;
  return (
    Array.isArray(players) &&
    players.every((p) => typeof p === 'object' && p !== null && typeof p.id === 'number' && typeof p.name === 'string') &&
    (turn === null || typeof turn === 'number')
  );
}
