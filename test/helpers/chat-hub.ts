// A chat node for the hub tests (listen() + a hub, one room), and ws clients that record
// what they receive and wait for it on events, bounded.
import { catchError, EMPTY, mergeMap, type Subscription, tap } from 'rxjs';
import WebSocket from 'ws';
import { type Hub, listen, type ObservablePeer } from 'rxpeer';

export interface ChatNode {
  readonly port: number;
  readonly clients: ObservablePeer[];
  stop(): void;
}

/** Every client joins `room`; what it sends goes to the room's other members. */
export async function chatNode(hub: Hub, room = 'lobby'): Promise<ChatNode> {
  const clients: ObservablePeer[] = [];
  let bound!: (port: number) => void;
  const port = new Promise<number>((resolve) => (bound = resolve));
  const subscription: Subscription = listen(0, { bindAddress: '127.0.0.1', onListening: bound })
    .pipe(
      mergeMap((client) => {
        clients.push(client);
        hub.join(client, room);
        return client.packets$.pipe(
          tap((p) => hub.publish(room, p.isString ? `${hub.idOf(client)}: ${p.text!}` : p.data, { except: client })),
          catchError(() => EMPTY), // a client that drops ends its own stream, not the server
        );
      }),
    )
    .subscribe({ error: () => {} });
  return { port: await port, clients, stop: () => subscription.unsubscribe() };
}

export class ChatClient {
  readonly received: string[] = [];
  readonly #ws: WebSocket;
  readonly #waiters = new Set<() => void>();
  #closed = false;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data, isBinary) => {
      this.received.push(isBinary ? `bytes:${[...(data as Buffer)].join(',')}` : String(data));
      this.#changed();
    });
    ws.on('close', () => {
      this.#closed = true;
      this.#changed();
    });
  }

  static open(port: number, protocols: string[] = []): Promise<ChatClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, protocols);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new ChatClient(ws)));
      ws.once('error', reject);
    });
  }

  send(message: string | Uint8Array): void {
    this.#ws.send(message);
  }

  /** Ends the connection without a close handshake, as a dropped client would. */
  drop(): void {
    this.#ws.terminate();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#ws.close(1000);
    return this.until(() => this.#closed, 'the close');
  }

  until(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`still waiting for ${what} after ${ms} ms; received ${JSON.stringify(this.received)}`));
      }, ms);
      this.#waiters.add(check);
    });
  }

  /** Waits until `line` was received. */
  hears(line: string): Promise<void> {
    return this.until(() => this.received.includes(line), JSON.stringify(line));
  }

  #changed(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Resolves with the first value of `members$` that satisfies `predicate` (bounded). */
export function membersUntil(hub: Hub, room: string, predicate: (ids: readonly string[]) => boolean, ms = 10_000): Promise<readonly string[]> {
  return new Promise((resolve, reject) => {
    let last: readonly string[] = [];
    let subscription: Subscription | undefined;
    const timer = setTimeout(() => {
      subscription?.unsubscribe();
      reject(new Error(`members of ${room} still ${JSON.stringify(last)} after ${ms} ms`));
    }, ms);
    let done = false;
    subscription = hub.members$(room).subscribe((ids) => {
      last = ids;
      if (done || !predicate(ids)) return;
      done = true;
      clearTimeout(timer);
      resolve(ids);
      queueMicrotask(() => subscription?.unsubscribe());
    });
    if (done) subscription.unsubscribe();
  });
}
