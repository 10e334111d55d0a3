// The browser half of Godot's networking/websocket_chat demo, on rxpeer: connect() with
// the demo-chat subprotocol, reconnect() after a drop, connection() for a state stream and
// a send queue that span reconnects, text() to decode. `npm run chat` bundles and serves it.
import {
  connect,
  connection,
  type CloseInfo,
  type DecodeError,
  reconnect,
  State,
  text,
} from 'rxpeer';
import type { Subscription } from 'rxjs';

/** Everything the page saw, in order. The end-to-end test reads it (test/browser/chat.e2e.test.ts). */
export interface ChatRecord {
  server: string;
  states: string[];
  received: { text?: string; bytes?: number[] }[];
  sent: { text: string; binary: boolean; result: string }[];
  closes: CloseInfo[];
  errors: string[];
}

declare global {
  interface Window {
    chatRecord: ChatRecord;
  }
}

// ?server=ws://host:port overrides the default, the demo's port 8000 on the page's host.
const server = new URLSearchParams(location.search).get('server') ?? `ws://${location.hostname || '127.0.0.1'}:8000`;
const record: ChatRecord = { server, states: [], received: [], sent: [], closes: [], errors: [] };
window.chatRecord = record;

const element = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const badge = element<HTMLSpanElement>('state');
const detail = element<HTMLSpanElement>('detail');
const log = element<HTMLUListElement>('log');
const compose = element<HTMLFormElement>('compose');
const input = element<HTMLInputElement>('message');

function show(kind: 'received' | 'sent' | 'binary' | 'status', line: string): void {
  const item = document.createElement('li');
  item.dataset.kind = kind;
  item.textContent = line;
  log.append(item);
  log.scrollTop = log.scrollHeight;
}

const chat = connection(
  connect(server, { protocols: ['demo-chat'] }).pipe(
    reconnect({
      initialDelay: 1000,
      maxDelay: 8000,
      maxRetries: 10,
      onAttempt: ({ attempt, delay }) => {
        detail.textContent = `reconnecting in ${(delay / 1000).toFixed(1)} s (attempt ${attempt})`;
      },
    }),
  ),
  // Lines typed while the connection is down go out, in order, once it is OPEN again.
  { queue: { limit: 100, overflow: 'drop-oldest', onDrop: ({ reason }) => show('status', `Message dropped: ${reason}`) } },
);

function showState(state: State): void {
  const name = State[state];
  record.states.push(name);
  badge.textContent = name;
  badge.dataset.state = name;
  if (state === State.OPEN) detail.textContent = server;
}

function showBinary(error: DecodeError): void {
  const { data } = error.packet;
  record.received.push({ bytes: [...data] });
  const hex = [...data.subarray(0, 16)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  show('binary', `(binary, ${data.byteLength} bytes) ${hex}${data.byteLength > 16 ? ' …' : ''}`);
}

/** The state$ subscription: open while the connection stream runs (until a clean close or giving up). */
let joined: Subscription | null = null;

function join(): void {
  if (joined !== null && !joined.closed) return;
  show('status', `Connecting to ${server} ...`);
  const gaveUp = (error: unknown): void => {
    record.errors.push(String(error));
    show('status', `Gave up: ${String(error)}`);
  };
  joined = chat.state$.subscribe({ next: showState, error: gaveUp });
  // These end with the connection stream too; its error is reported once, above.
  chat.packets$.pipe(text({ onError: showBinary })).subscribe({
    // Text frames become lines; a binary frame is no text and is shown as bytes (showBinary).
    next: (line) => {
      record.received.push({ text: line });
      show('received', line);
    },
    error: () => {},
  });
  chat.closes$.subscribe({
    next: (close) => {
      record.closes.push(close);
      show('status', `Disconnected with code: ${close.code}, reason: ${close.reason || '(none)'}. Clean: ${close.wasClean}`);
    },
    error: () => {},
  });
}

function send(binary: boolean): void {
  const message = input.value;
  if (message === '') return;
  // A string goes as a text frame, bytes as a binary frame.
  const result = chat.send(binary ? new TextEncoder().encode(message) : message);
  record.sent.push({ text: message, binary, result });
  show('sent', `You${binary ? ' (binary frame)' : ''}: ${message}${result === 'sent' ? '' : ` [${result}]`}`);
  input.value = '';
  input.focus();
}

compose.addEventListener('submit', (event) => {
  event.preventDefault();
  send(false);
});
element('send-binary').addEventListener('click', () => send(true));
element('leave').addEventListener('click', () => {
  // A clean close: reconnect() does not retry it, so the connection stream ends here.
  chat.close(4000, 'Leaving the chat');
});
element('join').addEventListener('click', join);

join();
