// Pure argument checks shared by the peer and the servers. No state.
import { MAX_CLOSE_REASON_BYTES, MAX_PEER_SECONDS } from './constants.js';
import { utf8ByteLength } from './utf8.js';

/**
 * Close codes an application may put in a close frame (RFC 6455 §7.4.1 and the IANA
 * registry): 1000–1003, 1007–1014, 3000–4999. 1004–1006 and 1015 are reserved.
 */
export function isSendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

export function isValidCloseReason(reason: unknown): reason is string {
  return typeof reason === 'string' && utf8ByteLength(reason) <= MAX_CLOSE_REASON_BYTES;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** An HTTP token (RFC 7230 §3.2.6): what a header name or a subprotocol may be. */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

export interface HeaderLine {
  name: string;
  value: string;
}

/**
 * Parses a Godot-style `"Name: value"` handshake header. Returns null when the line
 * could smuggle anything into the request (CR, LF, NUL, a bad name): header injection.
 */
export function parseHeaderLine(line: unknown): HeaderLine | null {
  if (typeof line !== 'string') return null;
  // What Node's HTTP client accepts in a header value (and CR/LF never): tab, visible ASCII, obs-text.
  if (/[^\t\x20-\x7e\x80-\xff]/.test(line)) return null;
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  const name = line.slice(0, colon).trim();
  if (!isToken(name)) return null;
  return { name, value: line.slice(colon + 1).trim() };
}

/** Subprotocol list with whitespace stripped, or null when an entry is not a token or repeats. */
export function normalizeProtocols(protocols: unknown): string[] | null {
  if (!Array.isArray(protocols)) return null;
  if (protocols.length === 0) return [];
  const seen = new Set<string>();
  for (const entry of protocols) {
    if (typeof entry !== 'string') return null;
    const p = entry.trim();
    if (!isToken(p) || seen.has(p)) return null;
    seen.add(p);
  }
  return [...seen];
}

/** Parsed ws:// or wss:// URL, or null. Empty path becomes "/". */
export function parseWebSocketUrl(url: unknown): URL | null {
  if (typeof url !== 'string' || url.length === 0) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return null;
  if (parsed.hostname === '' || parsed.hash !== '') return null;
  return parsed;
}

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * Throws a TypeError naming the first key of `options` that is not in `known` (and the
 * nearest known one). Symbol keys count too.
 */
export function refuseUnknownKeys(caller: string, options: object, known: readonly string[]): void {
  for (const key of Reflect.ownKeys(options)) {
    if (typeof key === 'string' && known.includes(key)) continue;
    const shown = typeof key === 'string' ? JSON.stringify(key) : key.toString();
    const nearest = typeof key === 'string' ? nearestName(key, known) : undefined;
    const hint = nearest === undefined ? `known keys: ${known.join(', ')}` : `did you mean "${nearest}"?`;
    throw new TypeError(`${caller}: unknown option ${shown} (${hint})`);
  }
}

/** The name in `names` closest to `name` by edit distance, if any is reasonably close. */
function nearestName(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of names) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** A peer duration in seconds: finite, from 0 to MAX_PEER_SECONDS (the one place peer timers are bounded). */
export function isPeerSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_PEER_SECONDS;
}

/** What is wrong with a URL that parseWebSocketUrl() refuses, in one sentence; null when it is fine. */
export function describeUrlProblem(url: unknown): string | null {
  if (typeof url !== 'string') return `the URL must be a string, got ${typeof url}`;
  if (url.length === 0) return 'the URL is empty';
  // "localhost:8080" parses as the scheme "localhost:", so look for a missing scheme first.
  if (!url.includes('://')) {
    const guess = /^[a-z0-9.[\]:-]+(\/|$)/i.test(url) ? ` (did you mean "ws://${url}"?)` : '';
    return `${JSON.stringify(url)} has no scheme: a WebSocket URL starts with ws:// or wss://${guess}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a valid URL`;
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    const scheme = parsed.protocol === 'http:' ? 'ws' : 'wss';
    return `${JSON.stringify(url)} uses ${parsed.protocol}// : a WebSocket URL starts with ws:// or wss:// (did you mean "${scheme}${url.slice(parsed.protocol.length - 1)}"?)`;
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    return `${JSON.stringify(url)} has the scheme ${parsed.protocol} : a WebSocket URL starts with ws:// or wss://`;
  }
  if (parsed.hostname === '') return `${JSON.stringify(url)} has no host name`;
  if (parsed.hash !== '') return `${JSON.stringify(url)} has a #fragment, which WebSocket URLs may not have`;
  return null;
}

/**
 * A peer's `supportedProtocols` and `handshakeHeaders` as a connection takes them, or null
 * when either is unusable (not an array, a protocol that is not a token or is repeated, a
 * header line that is not `Name: value`). Every peer class checks its settings here.
 */
export function parseHandshakeSettings(protocols: unknown, headerLines: unknown): { protocols: string[]; headers: HeaderLine[] } | null {
  const normalized = normalizeProtocols(protocols);
  if (normalized === null || !Array.isArray(headerLines)) return null;
  const headers: HeaderLine[] = [];
  for (const line of headerLines) {
    const header = parseHeaderLine(line);
    if (header === null) return null;
    headers.push(header);
  }
  return { protocols: normalized, headers };
}
