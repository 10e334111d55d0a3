import {
  asyncScheduler,
  concat,
  concatWith,
  defer,
  EMPTY,
  filter,
  identity,
  ignoreElements,
  mergeMap,
  of,
  retry,
  take,
  tap,
  throwError,
  timer,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { type CloseInfo, WebSocketCloseError } from '../observable/errors.js';
import { closeInfoOf, type ObservablePeer } from '../observable/observable-peer.js';
import { State } from '../peer/constants.js';
import { checkBoolean, checkConfig, checkCount, checkDuration, checkFunction, checkNumber, checkScheduler } from './validate.js';

/** One scheduled reconnect: what a UI shows as "reconnecting in 4 s (attempt 3)". */
export interface ReconnectAttempt {
  /** 1 for the first retry after a success (or since the start), then 2, 3, … */
  readonly attempt: number;
  /** Milliseconds until the new connection is opened (jitter applied). */
  readonly delay: number;
  /** How the previous connection ended. */
  readonly close: CloseInfo;
}

export interface ReconnectConfig {
  /** Delay before the first retry, ms. Default 1000. */
  initialDelay?: number;
  /** Cap on the delay, ms. Default 30000. */
  maxDelay?: number;
  /** Each further retry waits `factor` times longer (≥ 1). Default 2. */
  factor?: number;
  /** 0 … 1: each delay is shortened by up to this fraction, at random, so clients spread out. Default 0.5. */
  jitter?: number;
  /** Retries in a row before giving up (Infinity: never). Default Infinity. */
  maxRetries?: number;
  /** A connection that reached OPEN starts the count (and the backoff) over. Default true. */
  resetOnSuccess?: boolean;
  /** Whether a close is worth a retry. Default: unclean closes only (`!close.wasClean`). */
  shouldRetry?: (close: CloseInfo) => boolean;
  /** Hears each scheduled retry, before its delay starts (pass `subject.next`-style callbacks for a UI stream). */
  onAttempt?: (attempt: ReconnectAttempt) => void;
  /** Random numbers in [0, 1) for the jitter. Default Math.random. */
  random?: () => number;
  /** Runs the backoff delays. Default asyncScheduler. */
  scheduler?: SchedulerLike;
}

const RECONNECT_CONFIG_KEYS = [
  'initialDelay',
  'maxDelay',
  'factor',
  'jitter',
  'maxRetries',
  'resetOnSuccess',
  'shouldRetry',
  'onAttempt',
  'random',
  'scheduler',
] as const;

/** The connection stream completed (a clean close): carried to retry()'s delay to be judged like an error. */
class CleanClose {
  constructor(readonly close: CloseInfo) {}
}

const isUnclean = (close: CloseInfo): boolean => !close.wasClean;

/** Backoff before retry number `attempt` (1-based), before jitter. */
export function backoffDelay(attempt: number, config: Pick<ReconnectConfig, 'initialDelay' | 'maxDelay' | 'factor'> = {}): number {
  checkCount('backoffDelay', 'attempt', attempt, 1);
  checkConfig('backoffDelay', config, ['initialDelay', 'maxDelay', 'factor']);
  const { initialDelay = 1000, maxDelay = 30_000, factor = 2 } = config;
  checkDuration('backoffDelay', 'initialDelay', initialDelay, true);
  checkDuration('backoffDelay', 'maxDelay', maxDelay, true);
  checkNumber('backoffDelay', 'factor', factor, 1);
  return Math.min(maxDelay, initialDelay * factor ** (attempt - 1));
}

/**
 * Reconnects a connection stream (`connect()` or anything shaped like it: one
 * ObservablePeer per subscription, completing after a clean close and erroring with
 * WebSocketCloseError after an unclean one). A close that `shouldRetry` accepts
 * resubscribes after an exponential backoff with jitter; the output emits one
 * ObservablePeer per connection. When `maxRetries` run out it errors with the last
 * close as a WebSocketCloseError; other errors (a refused URL) pass through untouched.
 * Use {@link connection} to get a state stream and a send queue that span reconnects.
 *
 * @example
 * const attempts$ = new Subject<ReconnectAttempt>();
 * attempts$.subscribe(({ attempt, delay }) => console.log(`retry #${attempt} in ${delay} ms`));
 * const feed = connect('wss://example.com/feed').pipe(
 *   reconnect({ initialDelay: 500, maxDelay: 10_000, maxRetries: 20, onAttempt: (a) => attempts$.next(a) }),
 *   switchMap((socket) => socket.packets$),   // packets$ completes at a drop; the next connection follows
 * ).subscribe((packet) => console.log(packet.text));
 * // feed.unsubscribe() closes the connection and stops the retries.
 */
export function reconnect(config: ReconnectConfig = {}): MonoTypeOperatorFunction<ObservablePeer> {
  checkConfig('reconnect', config, RECONNECT_CONFIG_KEYS);
  const {
    initialDelay = 1000,
    maxDelay = Math.max(30_000, typeof initialDelay === 'number' ? initialDelay : 0), // initialDelay is checked below
    factor = 2,
    jitter = 0.5,
    maxRetries = Infinity,
    resetOnSuccess = true,
    shouldRetry = isUnclean,
    onAttempt,
    random = Math.random,
    scheduler = asyncScheduler,
  } = config;
  checkDuration('reconnect', 'initialDelay', initialDelay, true);
  checkDuration('reconnect', 'maxDelay', maxDelay, true);
  if (maxDelay < initialDelay) throw new TypeError(`reconnect: maxDelay (${maxDelay}) must be ≥ initialDelay (${initialDelay})`);
  checkNumber('reconnect', 'factor', factor, 1);
  if (!Number.isFinite(factor)) throw new TypeError('reconnect: factor must be finite');
  checkNumber('reconnect', 'jitter', jitter, 0, 1);
  checkCount('reconnect', 'maxRetries', maxRetries, 0, true);
  checkBoolean('reconnect', 'resetOnSuccess', resetOnSuccess);
  checkFunction('reconnect', 'shouldRetry', shouldRetry, true);
  checkFunction('reconnect', 'onAttempt', onAttempt, false);
  checkFunction('reconnect', 'random', random, true);
  checkScheduler('reconnect', scheduler);
  if (maxRetries === 0) return identity;

  return (source) =>
    defer(() => {
      let retries = 0;
      let last: ObservablePeer | null = null;
      let opened = false;
      return source.pipe(
        // Forward each peer at once, and note whether it reached OPEN (for resetOnSuccess).
        mergeMap((socket) => {
          last = socket;
          opened = false;
          const reachedOpen = socket.state$.pipe(
            filter((state) => state === State.OPEN),
            take(1),
            tap(() => (opened = true)),
            ignoreElements(),
          );
          return concat(of(socket), reachedOpen);
        }),
        concatWith(
          defer(() => {
            // Completion means a clean close only when the connection really is CLOSED.
            if (last === null || last.peer.getReadyState() !== State.CLOSED) return EMPTY;
            return throwError(() => new CleanClose(closeInfoOf(last!.peer)));
          }),
        ),
        retry({
          delay: (error: unknown) => {
            const close = error instanceof CleanClose ? error.close : error instanceof WebSocketCloseError ? toCloseInfo(error) : null;
            if (close === null) return throwError(() => error);
            if (!shouldRetry(close)) return error instanceof CleanClose ? EMPTY : throwError(() => error);
            if (resetOnSuccess && opened) retries = 0;
            opened = false;
            last = null;
            if (retries >= maxRetries) return throwError(() => (error instanceof CleanClose ? new WebSocketCloseError(close) : error));
            retries++;
            const base = backoffDelay(retries, { initialDelay, maxDelay, factor });
            const delay = Math.round(base * (1 - jitter * random()));
            onAttempt?.({ attempt: retries, delay, close });
            return timer(delay, scheduler);
          },
        }),
      );
    });
}

function toCloseInfo(error: WebSocketCloseError): CloseInfo {
  const info: CloseInfo = { code: error.code, reason: error.reason, wasClean: error.wasClean };
  if (error.cause !== undefined) info.cause = error.cause;
  return info;
}
