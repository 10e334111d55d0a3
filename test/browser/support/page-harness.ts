// Runs in the page (bundled as `window.harness` against the built package, so `rxpeer` is the
// browser build): rxpeer itself, plus a game-loop style poll and a watch on the page's
// WebSockets that shows what the browser delivered before any poll() looked at it.
// Only bare imports here: the file is bundled from a temporary directory.
import * as rxpeer from 'rxpeer';
import type { WebSocketPeer } from 'rxpeer';

export { rxpeer };

declare global {
  interface Window {
    harness: typeof import('./page-harness.js');
  }
}

/** Every WebSocket the page created since watchSockets(), with the events the browser fired on it. */
export const sockets: { socket: WebSocket; events: string[] }[] = [];
const waiters = new Set<() => void>();

/** Replaces the page's WebSocket with a subclass that records its events (rxpeer looks the class up at connect time). */
export function watchSockets(): void {
  const Native = window.WebSocket;
  window.WebSocket = class RecordedWebSocket extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const entry = { socket: this as WebSocket, events: [] as string[] };
      sockets.push(entry);
      for (const type of ['open', 'message', 'close', 'error']) {
        this.addEventListener(type, () => {
          entry.events.push(type);
          // Wake the waiters once every listener has run (rxpeer's transport registers after
          // this one, and a microtask checkpoint follows each listener).
          setTimeout(() => {
            for (const wake of [...waiters]) wake();
          }, 0);
        });
      }
    }
  };
}

/** Resolves once the last socket created has fired `count` events of `type`, without polling any peer. */
export function socketEvents(type: string, count = 1, timeout = 5000): Promise<void> {
  const entry = sockets.at(-1);
  if (entry === undefined) return Promise.reject(new Error('no WebSocket was created'));
  const seen = (): boolean => entry.events.filter((event) => event === type).length >= count;
  if (seen()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no ${count}× '${type}' within ${timeout} ms (events: ${entry.events.join(', ')})`));
    }, timeout);
    const check = (): void => {
      if (!seen()) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve();
    };
    waiters.add(check);
  });
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Polls `peer` once per task, as a game loop would, until `predicate` holds (bounded). */
export async function pollUntil(peer: WebSocketPeer, predicate: () => boolean, what: string, timeout = 5000): Promise<void> {
  const deadline = performance.now() + timeout;
  for (;;) {
    peer.poll();
    if (predicate()) return;
    if (performance.now() > deadline) {
      throw new Error(
        `still waiting for ${what} after ${timeout} ms: state ${rxpeer.State[peer.getReadyState()]}, ` +
          `close ${peer.getCloseCode()} ${JSON.stringify(peer.getCloseReason())}, packets ${peer.getAvailablePacketCount()}`,
      );
    }
    await nextTask();
  }
}

/** Every packet available now, as text or byte arrays, with wasStringPacket(). */
export function drain(peer: WebSocketPeer): { text?: string; bytes?: number[] }[] {
  const packets: { text?: string; bytes?: number[] }[] = [];
  while (peer.getAvailablePacketCount() > 0) {
    const data = peer.getPacket();
    packets.push(peer.wasStringPacket() ? { text: new TextDecoder().decode(data) } : { bytes: [...data] });
  }
  return packets;
}
