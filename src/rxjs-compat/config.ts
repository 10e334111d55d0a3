import type { NextObserver } from 'rxjs';

/** What the serializer may hand to the socket: what `WebSocket.send()` takes. */
export type WebSocketMessage = string | ArrayBuffer | Blob | ArrayBufferView;

/**
 * The options of {@link webSocket}, as RxJS 7 names and types them.
 *
 * @example
 * import { webSocket } from 'rxpeer/rxjs-compat';
 *
 * const subject = webSocket<{ say: string }>({
 *   url: 'ws://127.0.0.1:8080/chat',
 *   openObserver: { next: () => console.log('open') },
 *   closeObserver: { next: (event) => console.log('closed', event.code) },
 * });
 * subject.subscribe((message) => console.log('received', message.say));
 * subject.next({ say: 'hello' });
 */
export interface WebSocketSubjectConfig<T> {
  /** The URL of the server to connect to. */
  url: string;
  /** The subprotocol(s) to offer. */
  protocol?: string | Array<string>;
  /**
   * @deprecated Ignored, as in RxJS 7 (which declares it and never calls it): use
   * {@link deserializer}.
   */
  resultSelector?: (e: MessageEvent) => T;
  /** Turns a value given to `next()` into what is sent. Default `JSON.stringify`. */
  serializer?: (value: T) => WebSocketMessage;
  /** Turns a received message event into the value subscribers see. Default `JSON.parse(e.data)`. */
  deserializer?: (e: MessageEvent) => T;
  /** Hears each socket's `open` event. */
  openObserver?: NextObserver<Event>;
  /** Hears each socket's `close` event. */
  closeObserver?: NextObserver<CloseEvent>;
  /** Hears that the subject is about to close the socket because of `error()` or `complete()`. */
  closingObserver?: NextObserver<void>;
  /**
   * The WebSocket class to use, called as `new WebSocketCtor(url, protocol?)` at each
   * connection. When absent, rxpeer's own WebSocketPeer connects: over `ws` in Node, over
   * the page's WebSocket in browsers.
   */
  WebSocketCtor?: { new (url: string, protocols?: string | string[]): WebSocket };
  /** Sets the `binaryType` of each socket: how binary messages arrive in `e.data`. */
  binaryType?: 'blob' | 'arraybuffer';
}

/** The WebSocket members the subject uses: what a WebSocketCtor must give it. */
export interface SocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: WebSocketMessage): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
}

export type SocketConstructor = new (url: string, protocols?: string | string[]) => SocketLike;

/** The config with its defaults filled in. */
export interface ResolvedConfig<T> {
  url: string;
  protocol: string | string[] | undefined;
  serializer: (value: T) => WebSocketMessage;
  deserializer: (e: MessageEvent) => T;
  openObserver: NextObserver<Event> | undefined;
  closeObserver: NextObserver<CloseEvent> | undefined;
  closingObserver: NextObserver<void> | undefined;
  WebSocketCtor: SocketConstructor | undefined;
  binaryType: 'blob' | 'arraybuffer' | undefined;
}

const KNOWN_KEYS = [
  'url',
  'protocol',
  'resultSelector',
  'serializer',
  'deserializer',
  'openObserver',
  'closeObserver',
  'closingObserver',
  'WebSocketCtor',
  'binaryType',
] as const;

let warnedAboutResultSelector = false;

/**
 * Checks a `webSocket()` argument and fills in the defaults. Throws a TypeError naming the
 * option for a value RxJS would only have tripped over later (at subscribe time or on the
 * first message), and for an unknown key. `undefined` means "not given".
 */
export function resolveConfig<T>(urlOrConfig: unknown): ResolvedConfig<T> {
  const config: Record<string, unknown> =
    typeof urlOrConfig === 'string' ? { url: urlOrConfig } : (checkObject(urlOrConfig) as Record<string, unknown>);
  for (const key of Object.keys(config)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      throw new TypeError(`webSocket: unknown option "${key}" (did you mean "${nearest(key, KNOWN_KEYS)}"?)`);
    }
  }
  const { url, protocol, resultSelector, serializer, deserializer, openObserver, closeObserver, closingObserver, WebSocketCtor, binaryType } =
    config;
  if (typeof url !== 'string') throw new TypeError(`webSocket: url must be a string, got ${describe(url)}`);
  if (protocol !== undefined && typeof protocol !== 'string' && !(Array.isArray(protocol) && protocol.every((p) => typeof p === 'string'))) {
    throw new TypeError(`webSocket: protocol must be a string or an array of strings, got ${describe(protocol)}`);
  }
  checkFunction('serializer', serializer);
  checkFunction('deserializer', deserializer);
  checkFunction('resultSelector', resultSelector);
  checkFunction('WebSocketCtor', WebSocketCtor);
  checkObserver('openObserver', openObserver);
  checkObserver('closeObserver', closeObserver);
  checkObserver('closingObserver', closingObserver);
  if (binaryType !== undefined && binaryType !== 'blob' && binaryType !== 'arraybuffer') {
    throw new TypeError(`webSocket: binaryType must be 'blob' or 'arraybuffer', got ${describe(binaryType)}`);
  }
  if (resultSelector !== undefined && !warnedAboutResultSelector) {
    warnedAboutResultSelector = true;
    console.warn('rxpeer/rxjs-compat: resultSelector is ignored, as in RxJS 7; use deserializer.');
  }
  return {
    url,
    protocol: protocol as string | string[] | undefined,
    serializer: (serializer as ResolvedConfig<T>['serializer'] | undefined) ?? ((value) => JSON.stringify(value)),
    deserializer: (deserializer as ResolvedConfig<T>['deserializer'] | undefined) ?? ((e) => JSON.parse(e.data as string) as T),
    openObserver: openObserver as NextObserver<Event> | undefined,
    closeObserver: closeObserver as NextObserver<CloseEvent> | undefined,
    closingObserver: closingObserver as NextObserver<void> | undefined,
    WebSocketCtor: WebSocketCtor as SocketConstructor | undefined,
    binaryType,
  };
}

function checkObject(value: unknown): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`webSocket: expected a URL string or a config object, got ${describe(value)}`);
  }
  return value;
}

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`webSocket: ${name} must be a function, got ${describe(value)}`);
  }
}

function checkObserver(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || typeof (value as { next?: unknown }).next !== 'function') {
    throw new TypeError(`webSocket: ${name} must be an observer with a next() method, got ${describe(value)}`);
  }
}

/** A short description of any value, safe for Symbols, BigInts and null-prototype objects. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    default:
      return 'an object';
  }
}

/** The known key closest to `key` (edit distance, case-insensitive). */
function nearest(key: string, known: readonly string[]): string {
  let best = known[0]!;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
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
