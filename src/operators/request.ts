import { asyncScheduler, isObservable, Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import type { Packet } from '../peer/packet.js';
import type { Connection } from './connection.js';
import type { Message } from './send-queue.js';
import { checkBoolean, checkConfig, checkDuration, checkFunction, checkScheduler } from './validate.js';
import { describeText } from '../peer/describe-value.js';

export type RequestId = string | number;

/** A request that got no response: `timeout`, `dropped` (its message was not sent), or `closed` (the connection ended). */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly reason: 'timeout' | 'dropped' | 'closed',
    readonly id: RequestId,
  ) {
    super(
      reason === 'timeout'
        ? `request ${describeText(id)}: no response in time`
        : reason === 'dropped'
          ? `request ${describeText(id)}: the message could not be sent`
          : `request ${describeText(id)}: the connection ended before the response`,
    );
  }
}

export interface RequestConfig<B> {
  /** The request message for `body`, carrying `id`. */
  encode: (body: B, id: RequestId) => Message;
  /** The id a packet answers, or undefined when it is not a response. A throw counts as "not a response". */
  responseId: (packet: Packet) => RequestId | undefined;
  /** Milliseconds to wait for the response (> 0). Default 10000. */
  timeout?: number;
  /** Fail at once while offline instead of queueing the request until OPEN. Default false. */
  volatile?: boolean;
  /** The next request id. Default 1, 2, 3, … */
  nextId?: () => RequestId;
  /** Runs the timeout. Default asyncScheduler. */
  scheduler?: SchedulerLike;
}

/**
 * Request/response over one {@link Connection}, correlated by id. Each call returns a
 * cold Observable: subscribing sends `encode(body, id)` (queued while offline unless
 * `volatile`), emits the first packet whose `responseId` is that id and completes, or
 * errors with RequestError: 'timeout' after `timeout` ms, 'dropped' when the message
 * could not be sent, 'closed' when the connection ended. Unsubscribing forgets the
 * request; a late response is then ignored. Packets that are not responses (or that
 * `responseId` cannot read, such as malformed JSON) are ignored here.
 *
 * @example
 * const call = request(socket, {
 *   encode: (body: { method: string; params: unknown[] }, id) => JSON.stringify({ id, ...body }),
 *   responseId: (packet) => JSON.parse(packet.text ?? '{}').id,
 *   timeout: 5_000,
 * });
 * call({ method: 'add', params: [1, 2] }).pipe(json<{ id: number; result: number }>())
 *   .subscribe({ next: (r) => console.log(r.result), error: (e: RequestError) => console.warn(e.reason) });
 */
export function request<B>(socket: Connection, config: RequestConfig<B>): (body: B) => Observable<Packet> {
  if (typeof socket?.send !== 'function' || !isObservable(socket.packets$)) {
    throw new TypeError('request: expected a Connection (from connection())');
  }
  checkConfig('request', config, ['encode', 'responseId', 'timeout', 'volatile', 'nextId', 'scheduler'], true);
  let counter = 0;
  const { encode, responseId, timeout = 10_000, volatile = false, nextId = (): RequestId => ++counter, scheduler = asyncScheduler } = config;
  checkFunction('request', 'encode', encode, true);
  checkFunction('request', 'responseId', responseId, true);
  checkDuration('request', 'timeout', timeout);
  checkBoolean('request', 'volatile', volatile);
  checkFunction('request', 'nextId', nextId, true);
  checkScheduler('request', scheduler);

  const pending = new Map<RequestId, Subscriber<Packet>>();
  let listener: Subscription | null = null;

  // One packets$ subscription for every pending request: each packet is read once.
  const listen = (): void => {
    if (listener !== null && !listener.closed) return;
    listener = socket.packets$.subscribe({
      next: (packet) => {
        let id: RequestId | undefined;
        try {
          id = responseId(packet);
        } catch {
          return;
        }
        const waiting = id === undefined ? undefined : pending.get(id);
        if (waiting === undefined) return;
        pending.delete(id!);
        waiting.next(packet);
        waiting.complete();
      },
      error: (error) => failAll(() => error),
      complete: () => failAll((id) => new RequestError('closed', id)),
    });
  };

  const failAll = (reason: (id: RequestId) => unknown): void => {
    const all = [...pending];
    pending.clear();
    for (const [id, waiting] of all) waiting.error(reason(id));
  };

  const release = (id: RequestId, subscriber: Subscriber<Packet>): void => {
    if (pending.get(id) === subscriber) pending.delete(id);
    if (pending.size === 0 && listener !== null) {
      const leaving = listener;
      listener = null;
      leaving.unsubscribe();
    }
  };

  return (body) =>
    new Observable<Packet>((subscriber) => {
      const id = nextId();
      if (pending.has(id)) {
        subscriber.error(new TypeError(`request: id ${String(id)} is already pending`));
        return;
      }
      pending.set(id, subscriber);
      let timer: Subscription | null = null;
      const teardown = (): void => {
        timer?.unsubscribe();
        release(id, subscriber);
      };
      listen();
      if (subscriber.closed) return teardown; // the connection had already ended
      timer = scheduler.schedule(() => {
        pending.delete(id);
        subscriber.error(new RequestError('timeout', id));
      }, timeout);
      try {
        // The listener is in place before the request goes out: no response can be missed.
        if (socket.send(encode(body, id), { volatile }) === 'dropped') {
          pending.delete(id);
          subscriber.error(new RequestError('dropped', id));
        }
      } catch (error) {
        // encode() threw, or the queue's 'error' overflow policy refused the message.
        pending.delete(id);
        subscriber.error(error);
      }
      return teardown;
    });
}
