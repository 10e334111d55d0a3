import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fromPeer, type ObservablePeer } from '../observable/observable-peer.js';
import { joinInMemory, refuseInMemory } from '../peer/memory/memory-transport.js';
import type { Packet } from '../peer/packet.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';

export interface ScriptOptions {
  /** Where the script's frames run. Default asyncScheduler (virtual inside TestScheduler.run()). */
  scheduler?: SchedulerLike;
  /** Close code and reason for `|`. Default 1000, "". */
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
  for (const message of TestScheduler.parseMarbles(script, values, undefined, false, true)) {
    const { notification } = message;
    scheduler.schedule(() => {
      if (notification.kind === 'N') remote.send(notification.value as string | Uint8Array);
      else if (notification.kind === 'C') remote.close(code, reason);
      else remote.close(-1);
    }, message.frame);
  }
  return { peer, remote, received };
}
