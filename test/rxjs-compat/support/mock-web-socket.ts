// A WebSocket class for WebSocketCtor that records what the subject did to it and lets a
// test play the network's part (open, messages, closes, errors) synchronously.

export interface RecordedClose {
  code?: number;
  reason?: string;
}

export class MockWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static sockets: MockWebSocket[] = [];

  /** The socket created last; fails the test when there is none. */
  static get last(): MockWebSocket {
    const socket = MockWebSocket.sockets.at(-1);
    if (socket === undefined) throw new Error('no MockWebSocket was created');
    return socket;
  }

  static reset(): void {
    MockWebSocket.sockets = [];
  }

  readonly url: string;
  /** The constructor's arguments after the URL, as given. */
  readonly protocolArgs: unknown[];
  readyState = MockWebSocket.CONNECTING;
  binaryType = 'blob';
  readonly sent: unknown[] = [];
  readonly closes: RecordedClose[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  /** Makes close() throw, as a browser does for a code it refuses. */
  refuseCloseCode?: (code: number) => boolean;

  constructor(url: string, ...protocolArgs: unknown[]) {
    this.url = url;
    this.protocolArgs = protocolArgs;
    MockWebSocket.sockets.push(this);
  }

  /** The messages sent, parsed as JSON. */
  get sentJson(): unknown[] {
    return this.sent.map((message) => JSON.parse(message as string));
  }

  send(data: unknown): void {
    if (this.readyState !== MockWebSocket.OPEN) throw new Error(`send() in readyState ${this.readyState}`);
    this.sent.push(data);
  }

  close(...args: [code?: number, reason?: string]): void {
    const [code, reason] = args;
    if (code !== undefined && this.refuseCloseCode?.(code)) {
      throw new DOMException(`close code ${code} refused`, 'InvalidAccessError');
    }
    this.closes.push(args.length === 0 ? {} : { code, reason });
    if (this.readyState < MockWebSocket.CLOSING) this.readyState = MockWebSocket.CLOSING;
  }

  // ---- the network's part ----

  open(): void {
    this.readyState = MockWebSocket.OPEN;
    this.onopen?.(new Event('open'));
  }

  receive(data: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }

  receiveJson(value: unknown): void {
    this.receive(JSON.stringify(value));
  }

  /** The close handshake finished (clean) or the connection dropped (unclean). */
  closed(init: { code?: number; reason?: string; wasClean: boolean }): CloseEvent {
    this.readyState = MockWebSocket.CLOSED;
    const event = closeEvent(init.code ?? (init.wasClean ? 1000 : 1006), init.reason ?? '', init.wasClean);
    this.onclose?.(event);
    return event;
  }

  /** A failed connection: 'error', then an unclean 'close'. */
  fail(): Event {
    this.readyState = MockWebSocket.CLOSED;
    const event = new Event('error');
    this.onerror?.(event);
    this.onclose?.(closeEvent(1006, '', false));
    return event;
  }
}

function closeEvent(code: number, reason: string, wasClean: boolean): CloseEvent {
  return Object.assign(new Event('close'), { code, reason, wasClean }) as CloseEvent;
}

/** MockWebSocket typed as the config's WebSocketCtor. */
export const MockCtor = MockWebSocket as unknown as { new (url: string, protocols?: string | string[]): WebSocket };
