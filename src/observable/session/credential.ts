// Session credentials: a public session id (to find the session) and a secret (to prove
// the right to it). Both come from the platform's cryptographic random source; the secret
// is compared in constant time so that timing does not leak how much of a guess matched.
import { SESSION_ID_BYTES, TOKEN_BYTES } from './wire.js';

const SECRET_BYTES = TOKEN_BYTES - SESSION_ID_BYTES;

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

export function newSessionId(): string {
  return toHex(randomBytes(SESSION_ID_BYTES));
}

export function newSecret(): Uint8Array {
  return randomBytes(SECRET_BYTES);
}

export function toToken(sessionId: string, secret: Uint8Array): Uint8Array {
  const token = new Uint8Array(TOKEN_BYTES);
  token.set(fromHex(sessionId), 0);
  token.set(secret, SESSION_ID_BYTES);
  return token;
}

/** The session id and secret a token carries. */
export function splitToken(token: Uint8Array): { sessionId: string; secret: Uint8Array } {
  return { sessionId: toHex(token.subarray(0, SESSION_ID_BYTES)), secret: token.subarray(SESSION_ID_BYTES) };
}

/** Equal-length byte strings compared without an early exit. */
export function sameSecret(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let difference = 0;
  for (let i = 0; i < a.byteLength; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
