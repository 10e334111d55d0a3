import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fromPeer, type ObservablePeer } from '../observable/observable-peer.js';
import { joinInMemory, refuseInMemory } from '../peer/memory/memory-transport.js';
import type { Packet } from '../peer/packet.js';
import { describeValue } from '../peer/describe-value.js';
import { isSendableCloseCode, isValidCloseReason, refuseUnknownKeys } from '../peer/validation.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';

export interface ScriptOptions {
  /** Where the script's frames run. Default asyncScheduler (virtual inside TestScheduler.run()). */
  scheduler?: SchedulerLike;
  /** Close code and reason for `|`. Default 1000, "". A code a close frame can't carry throws a RangeError. */
  close?: { code: number; reason?: string };
  /** False: the remote never answers pings, like a peer whose cable was pulled. */
  answersPings?: boolean;
  /** True: the connection is refused; the local peer goes CONNECTING → CLOSED (-1) at its first poll. */
  refuse?: boolean;
}

export interface ScriptedRemote {
  /** The local peer to test: wrap it with fromPeer or use it directly. */
  readonly peer: WebSocketPeer;
  /** The remote side, already subscribed and answering (close echoes, pongs). */
  readonly remote: ObservablePeer;
  /** What the remote received, in order, with the frame it was polled in. */
  readonly received: { frame: number; packet: Packet }[];
}

/**
 * A remote peer that plays a marble script against a local peer over a memory pair:
 * each value is sent (strings as text, Uint8Array as binary; a letter without a value
 * is sent as that letter), `|` closes cleanly (options.close), `#` drops the connection
 * without a close frame. Frames follow TestScheduler's marble syntax, time progression included.
 * Bad arguments throw at the call (TypeError, or RangeError for an unsendable close code or
 * a reason over 123 bytes): a script that could never play out is never started.
 *
 * @example
 * testScheduler.run(({ expectObservable }) => {
 *   const { peer } = scriptRemote('--a--|', { a: 'hello' });
 *   const socket = fromPeer(peer);
 *   expectObservable(socket.packets$.pipe(map((p) => p.text))).toBe('--a--|', { a: 'hello' });
 * });
 */
export function scriptRemote(
  script: string,
  values: Record<string, string | Uint8Array> = {},
  options: ScriptOptions = {},
): ScriptedRemote {
  checkScript(script, values, options);
  const scheduler = options.scheduler ?? asyncScheduler;
  const peer = new WebSocketPeer();
  const remotePeer = new WebSocketPeer();
  if (options.refuse) {
    refuseInMemory(peer);
    refuseInMemory(remotePeer);
  } else {
    const [, remoteEnd] = joinInMemory(peer, remotePeer);
    remoteEnd.answersPings = options.answersPings ?? true;
  }
  const remote = fromPeer(remotePeer, { scheduler });
  const received: ScriptedRemote['received'] = [];
  remote.packets$.subscribe({ next: (packet) => received.push({ frame: scheduler.now(), packet }), error: () => {} });

  const { code = 1000, reason = '' } = options.close ?? {};
  // rxjs falls back to the letter itself only when there are no values at all; here a
  // letter missing from `values` is sent as that letter too, as documented.
  const letters = Object.fromEntries([...script].map((char) => [char, char]));
  for (const message of TestScheduler.parseMarbles(script, { ...letters, ...values }, undefined, false, true)) {
    const { notification } = message;
    scheduler.schedule(() => {
      if (notification.kind === 'N') remote.send(notification.value as string | Uint8Array);
      else if (notification.kind === 'C') remote.close(code, reason);
      else remote.close(-1);
    }, message.frame);
  }
  return { peer, remote, received };
}

function checkScript(script: unknown, values: unknown, options: unknown): void {
  const caller = 'scriptRemote';
  if (typeof script !== 'string') throw new TypeError(`${caller}: script must be a marble string, got ${describeValue(script)}`);
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new TypeError(`${caller}: values must be an object, got ${describeValue(values)}`);
  }
  for (const key of Object.keys(values)) {
    const value = (values as Record<string, unknown>)[key];
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw new TypeError(`${caller}: values.${key} must be a string or a Uint8Array, got ${describeValue(value)}`);
    }
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object, got ${describeValue(options)}`);
  }
  refuseUnknownKeys(caller, options, ['scheduler', 'close', 'answersPings', 'refuse']);
  const { scheduler, close, answersPings, refuse } = options as ScriptOptions;
  if (scheduler !== undefined && (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function')) {
    throw new TypeError(`${caller}: scheduler must be an RxJS SchedulerLike, got ${describeValue(scheduler)}`);
  }
  for (const [name, flag] of [['answersPings', answersPings], ['refuse', refuse]] as const) {
    if (flag !== undefined && typeof flag !== 'boolean') throw new TypeError(`${caller}: ${name} must be a boolean, got ${describeValue(flag)}`);
  }
  if (close === undefined) return;
  if (typeof close !== 'object' || close === null) throw new TypeError(`${caller}: close must be { code, reason? }, got ${describeValue(close)}`);
  const { code, reason = '' } = close;
  if (typeof code !== 'number' || !Number.isInteger(code) || !isSendableCloseCode(code)) {
    throw new RangeError(`${caller}: close.code must be a close code a frame can carry (1000–1003, 1007–1014, 3000–4999), got ${describeValue(code)}`);
  }
  if (!isValidCloseReason(reason)) {
    throw new RangeError(`${caller}: close.reason must be a string of at most 123 UTF-8 bytes, got ${describeValue(reason)}`);
  }
}
