// The server's judgement of a client's opening handshake, as Godot's
// WSLPeer::_parse_request makes it (modules/websocket/wsl_peer.cpp). Pure: no I/O.
import type { IncomingHttpHeaders } from 'node:http';
import type { UpgradeRequest } from '../handshake.js';
import { isToken } from '../validation.js';

/** ws's own check: 16 bytes, base64 (RFC 6455 §4.2.1 item 5). */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

export interface HttpUpgrade {
  method?: string | undefined;
  url?: string | undefined;
  httpVersionMajor: number;
  httpVersionMinor: number;
  headers: IncomingHttpHeaders;
}

export type UpgradeVerdict =
  | { ok: true; protocol: string; requestedUrl: string; offered: string[] }
  | { ok: false; reason: string; headers?: Record<string, string> };

/**
 * Accepts the request and picks the subprotocol, or says why not. Subprotocols, as Godot
 * picks them: walk the client's list in order and take the first one in `supported`; the
 * client offered some but none match → refuse; it offered none while `supported` is not
 * empty → refuse.
 */
export function checkUpgradeRequest(request: HttpUpgrade, supported: readonly string[], secure: boolean): UpgradeVerdict {
  const { headers } = request;
  if (request.method !== 'GET') return refuse('Method must be GET');
  if (request.httpVersionMajor !== 1 || request.httpVersionMinor < 1) return refuse('HTTP/1.1 required');
  const host = headers.host;
  if (host === undefined || host === '') return refuse('Missing Host header');
  if (headers.upgrade?.toLowerCase() !== 'websocket') return refuse('Invalid Upgrade header');
  if (!hasToken(headers.connection, 'upgrade')) return refuse('Invalid Connection header');
  if (headers['sec-websocket-version'] !== '13') {
    return { ok: false, reason: 'Missing or invalid Sec-WebSocket-Version header', headers: { 'Sec-WebSocket-Version': '13' } };
  }
  const key = headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return refuse('Missing or invalid Sec-WebSocket-Key header');

  const offered = parseProtocols(headers['sec-websocket-protocol']);
  if (offered === null) return refuse('Invalid Sec-WebSocket-Protocol header');
  let protocol = '';
  if (offered.length > 0) {
    protocol = offered.find((p) => supported.includes(p)) ?? '';
    if (protocol === '') return refuse('No supported subprotocol offered');
  } else if (supported.length > 0) {
    return refuse('A subprotocol is required');
  }
  const requestedUrl = effectiveUrl(request.url ?? '/', host, secure);
  if (requestedUrl === null) return refuse('Invalid request target or Host header');
  return { ok: true, protocol, offered, requestedUrl };
}

/** The request as servers' authorize hooks see it: lower-case names, one string per header. */
export function describeRequest(
  request: HttpUpgrade,
  offered: string[],
  socket: { remoteAddress?: string | undefined; remotePort?: number | undefined },
): UpgradeRequest {
  const headers = oneStringPerHeader(request.headers);
  const described: UpgradeRequest = {
    url: request.url ?? '/',
    headers,
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    protocols: offered,
  };
  if (headers.origin !== undefined) described.origin = headers.origin;
  return described;
}

/**
 * Node's header object as it is when every value is a string (the request is dropped after
 * the handshake and the object lives on with the connection: no copy of it), else a copy
 * with the lists joined.
 */
function oneStringPerHeader(given: IncomingHttpHeaders): Record<string, string> {
  let joined = false;
  for (const name in given) {
    if (typeof given[name] !== 'string') {
      joined = true;
      break;
    }
  }
  if (!joined) return given as Record<string, string>;
  const headers: Record<string, string> = {};
  for (const name in given) {
    const value = given[name];
    if (value === undefined) continue;
    // Node already joins most repeated headers; cookies are the exception (RFC 6265 §5.4).
    headers[name] = Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value;
  }
  return headers;
}

const ABSOLUTE_FORM = /^(?:https?|wss?):\/\//i;

/** The last Host header that made a valid URL: clients of one server mostly send the same one. */
let lastGoodHost = '';

/**
 * The URL the client asked for, `ws(s)://host/path?query` (RFC 7230 §5.5): an origin-form
 * target (`/path`) joins the Host header; an absolute-form one (`GET http://host/path`) is
 * the URL itself, with the scheme made ws(s). null when the target is in another form
 * (`*`, `host:port`), carries a fragment, or the Host is not a bare authority.
 */
function effectiveUrl(target: string, host: string, secure: boolean): string | null {
  const scheme = secure ? 'wss:' : 'ws:';
  if (target.includes('#')) return null;
  try {
    if (target.startsWith('/')) {
      // The Host header must be an authority and nothing more (no path, query, user info).
      if (!AUTHORITY.test(host)) return null;
      const url = `${scheme}//${host}${target}`;
      // Throws for a malformed host (a bad port, an unclosed IPv6 bracket); a path after a
      // good host never makes it throw, so a host checked once is not parsed again.
      if (host !== lastGoodHost) {
        new URL(url);
        lastGoodHost = host;
      }
      return url; // as requested, not normalised (Godot keeps the path as sent)
    }
    if (ABSOLUTE_FORM.test(target)) {
      const url = new URL(target);
      if (url.hostname === '' || url.username !== '' || url.password !== '') return null;
      return `${scheme}//${url.host}${url.pathname}${url.search}`;
    }
  } catch {
    return null;
  }
  return null;
}

/** RFC 3986 host[:port]: reg-name / IPv4 / [IPv6], without user info. */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]*)?$/;

function refuse(reason: string): UpgradeVerdict {
  return { ok: false, reason };
}

function hasToken(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  // The usual header is the token alone ("Upgrade"): no list to split.
  if (header.length === token.length) return header.toLowerCase() === token;
  return header.split(',').some((part) => part.trim().toLowerCase() === token);
}

/** The client's subprotocols in its order; [] when absent; null when malformed or repeated. */
function parseProtocols(header: string | undefined): string[] | null {
  if (header === undefined) return [];
  const protocols = header.split(',').map((p) => p.trim());
  if (protocols.some((p) => !isToken(p)) || new Set(protocols).size !== protocols.length) return null;
  return protocols;
}
