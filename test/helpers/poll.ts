// Bounded waiting for tests: nothing here sleeps for a fixed time, and every loop ends.
import { State } from '../../src/peer/constants.js';
import { kSetHooks } from '../../src/peer/internal.js';
import type { WebSocketPeer } from '../../src/peer/websocket-peer.js';

/** Enough event-loop turns for a loopback TLS handshake many times over. */
export const DEFAULT_MAX_POLLS = 50_000;

/** Milliseconds a test waits for an awaited event before failing with a readable message. */
export const WATCHDOG_MS = 5_000;

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function describePeer(peer: WebSocketPeer): string {
  return (
    `state=${State[peer.getReadyState()]} closeCode=${peer.getCloseCode()} ` +
    `closeReason=${JSON.stringify(peer.getCloseReason())} packets=${peer.getAvailablePacketCount()}`
  );
}

/**
 * Polls `peer` once per event-loop turn (setImmediate) until `predicate` holds, or throws
 * after `maxPolls` polls saying what was awaited and where the peer stands.
 */
export async function pollUntil(
  peer: WebSocketPeer,
  predicate: (peer: WebSocketPeer) => boolean,
  options: { what?: string; maxPolls?: number } = {},
): Promise<void> {
  const { what = predicate.toString(), maxPolls = DEFAULT_MAX_POLLS } = options;
  for (let i = 0; i < maxPolls; i++) {
    peer.poll();
    if (predicate(peer)) return;
    await nextTurn();
  }
  throw new Error(`pollUntil: still waiting for ${what} after ${maxPolls} polls (${describePeer(peer)})`);
}

export const pollUntilState = (peer: WebSocketPeer, state: State, maxPolls?: number): Promise<void> =>
  pollUntil(peer, (p) => p.getReadyState() === state, { what: `state ${State[state]}`, maxPolls });

/** Resolves with `promise`, or rejects with "timed out waiting for <what>" after `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = WATCHDOG_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, watchdog]).finally(() => clearTimeout(timer));
}

/** A promise with its resolve function outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export interface PeerWatch {
  /** Every state the peer passed through since watch(), in order (from the stateChanged hook). */
  readonly states: State[];
  /** How often the wake hook fired. */
  readonly wakes: number;
  /**
   * Resolves at the next wake: the transport recorded something that a poll() would show.
   * The peer wakes once per poll cycle, so call this before the awaited activity can happen
   * and after the last poll().
   */
  nextWake(what?: string): Promise<void>;
}

/** Installs test hooks on `peer` (the only driver it may have). */
export function watch(peer: WebSocketPeer): PeerWatch {
  const states: State[] = [];
  let wakes = 0;
  let waiters: (() => void)[] = [];
  const installed = peer[kSetHooks]({
    stateChanged: (state) => states.push(state),
    wake: () => {
      wakes++;
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    },
  });
  if (!installed) throw new Error('watch: the peer already has a driver');
  return {
    states,
    get wakes() {
      return wakes;
    },
    nextWake: (what = 'the wake hook') => within(new Promise<void>((resolve) => waiters.push(resolve)), what),
  };
}
