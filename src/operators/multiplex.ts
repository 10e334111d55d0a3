import { isObservable, Observable, type Subscriber, type Subscription } from 'rxjs';
import type { ObservablePeer } from '../observable/observable-peer.js';
import { ErrorCode, State } from '../peer/constants.js';
import type { Packet } from '../peer/packet.js';
import type { Connection } from './connection.js';
import type { Message } from './send-queue.js';
import { checkConfig, checkFunction } from './validate.js';

export interface MultiplexConfig<K> {
  /** The message that subscribes the server to a topic. */
  subscribe: (topic: K) => Message;
  /** The message that ends the server's subscription. */
  unsubscribe: (topic: K) => Message;
  /** Whether a packet belongs to the topic. */
  filter: (packet: Packet, topic: K) => boolean;
  /** Identity of a topic for ref-counting (default: the topic itself, compared with Map semantics). */
  key?: (topic: K) => unknown;
}

interface Topic<K> {
  readonly topic: K;
  /** The topic's subscribers: the ref count, and who hears a throwing subscribe()/unsubscribe(). */
  readonly subscribers: Set<Subscriber<Packet>>;
  /** The connection the subscribe message went out on; null until it did. */
  sentOn: ObservablePeer | null;
}

/**
 * Topic streams over one {@link Connection}, ref-counted: the first subscriber of a
 * topic sends `subscribe(topic)`, the last one to leave sends `unsubscribe(topic)`, so
 * there is one of each per topic however many subscribers. Every time a connection
 * becomes OPEN, the live topics are subscribed again (the server forgot them with the
 * old connection). Subscription messages are never queued: while offline there is nothing
 * to send, and an unsubscribe goes out only on the connection its subscribe went out on
 * (never a stale one to a server that has not heard of the topic). Each topic stream
 * holds the connection open; it ends when the connection's packets$ ends.
 *
 * @example
 * const topic = multiplex(socket, {
 *   subscribe: (name: string) => JSON.stringify({ op: 'sub', topic: name }),
 *   unsubscribe: (name) => JSON.stringify({ op: 'unsub', topic: name }),
 *   filter: (packet, name) => packet.text?.startsWith(`{"topic":${JSON.stringify(name)}`) ?? false,
 * });
 * topic('prices/EURUSD').pipe(json<Tick>()).subscribe(render);   // sends one 'sub'
 * topic('prices/EURUSD').subscribe(log);                          // shares it: nothing sent
 */
export function multiplex<K>(socket: Connection, config: MultiplexConfig<K>): (topic: K) => Observable<Packet> {
  if (typeof socket?.send !== 'function' || !isObservable(socket.peers$) || !isObservable(socket.packets$)) {
    throw new TypeError('multiplex: expected a Connection (from connection())');
  }
  checkConfig('multiplex', config, ['subscribe', 'unsubscribe', 'filter', 'key'], true);
  const { subscribe, unsubscribe, filter, key = (topic: K): unknown => topic } = config;
  checkFunction('multiplex', 'subscribe', subscribe, true);
  checkFunction('multiplex', 'unsubscribe', unsubscribe, true);
  checkFunction('multiplex', 'filter', filter, true);
  checkFunction('multiplex', 'key', key, true);

  const topics = new Map<unknown, Topic<K>>();
  let current: ObservablePeer | null = null;
  let watching: Subscription | null = null;
  let watchingState: Subscription | null = null;

  const isOpen = (peer: ObservablePeer | null): peer is ObservablePeer =>
    peer !== null && peer.peer.getReadyState() === State.OPEN;

  const subscribeOnCurrent = (entry: Topic<K>): void => {
    const peer = current;
    if (!isOpen(peer) || entry.sentOn === peer) return;
    let message: Message;
    try {
      message = subscribe(entry.topic);
    } catch (error) {
      // A throwing subscribe() ends that topic's streams, as a throwing map() would.
      for (const subscriber of [...entry.subscribers]) subscriber.error(error);
      return;
    }
    // If it cannot go out now (closing underneath, buffer full), the next OPEN retries it.
    if (peer.send(message) === ErrorCode.OK) entry.sentOn = peer;
  };

  const watch = (): void => {
    if (watching !== null && !watching.closed) return;
    watching = socket.peers$.subscribe({
      next: (peer) => {
        current = peer;
        watchingState?.unsubscribe();
        watchingState = peer.state$.subscribe((state) => {
          if (state === State.OPEN && current === peer) for (const entry of [...topics.values()]) subscribeOnCurrent(entry);
        });
      },
      error: () => {},
    });
  };

  const unwatch = (): void => {
    watchingState?.unsubscribe();
    watching?.unsubscribe();
    watchingState = null;
    watching = null;
    current = null;
  };

  return (topic) =>
    new Observable<Packet>((subscriber) => {
      const id = key(topic);
      let entry = topics.get(id);
      if (entry === undefined) topics.set(id, (entry = { topic, subscribers: new Set(), sentOn: null }));
      entry.subscribers.add(subscriber);
      const own = entry;
      // Listen before subscribing, so no packet of the topic can slip past.
      const packets = socket.packets$.subscribe({
        next: (packet) => {
          let matches: boolean;
          try {
            matches = filter(packet, topic);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (matches) subscriber.next(packet);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      const teardown = (): void => {
        own.subscribers.delete(subscriber);
        const last = own.subscribers.size === 0 && topics.get(id) === own;
        if (last) topics.delete(id);
        try {
          if (last && own.sentOn !== null && own.sentOn === current && isOpen(current)) current.send(unsubscribe(own.topic));
        } finally {
          // A throwing unsubscribe() surfaces from unsubscribe() (UnsubscriptionError), with everything released.
          if (last && topics.size === 0) unwatch();
          // Last: leaving packets$ may end the connection, after the unsubscribe went out.
          packets.unsubscribe();
        }
      };
      if (!subscriber.closed) {
        watch();
        subscribeOnCurrent(own);
      }
      return teardown;
    });
}
