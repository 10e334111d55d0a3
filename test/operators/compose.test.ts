// The pieces on one connection stream: heartbeat + reconnect + send queue + multiplex.
import { asyncScheduler, map, tap } from 'rxjs';
import { connection, heartbeat, multiplex, reconnect, type ReconnectAttempt } from 'rxpeer';
import { scriptConnections, type ScriptedRemote } from 'rxpeer/testing';
import { createTestScheduler, describePacket, S } from './helpers';

/** The remote answers "ping" with "pong" while `alive()` says so. */
function answerPings(remote: ScriptedRemote, alive: () => boolean = () => true): void {
  remote.remote.packets$.subscribe({
    next: (packet) => {
      if (packet.text === 'ping' && alive()) remote.remote.send('pong');
    },
    error: () => {},
  });
}

const arrivals = (remote: ScriptedRemote | undefined): string[] =>
  (remote?.received ?? []).map(({ frame, packet }) => `${frame}:${packet.text}`);

it('heartbeat + reconnect + send queue + multiplex compose on one connection stream', () => {
  const { connections$, remotes } = scriptConnections(['', '-----a'], { a: 'A:hello' });
  const attempts: ReconnectAttempt[] = [];
  createTestScheduler().run(({ cold, expectObservable }) => {
    const served = connections$.pipe(
      tap(() => {
        const remote = remotes[remotes.length - 1]!;
        // The first server hangs at 20: its pings go unanswered from then on.
        answerPings(remote, remotes.length === 1 ? () => asyncScheduler.now() < 20 : undefined);
      }),
    );
    const socket = connection(
      served.pipe(
        heartbeat({ interval: 10, timeout: 5, ping: () => 'ping', isPong: (p) => p.text === 'pong' }),
        reconnect({ initialDelay: 5, jitter: 0, onAttempt: (a) => attempts.push(a) }),
      ),
      { queue: { limit: 10 } },
    );
    const topic = multiplex(socket, {
      subscribe: (t: string) => `sub:${t}`,
      unsubscribe: (t) => `unsub:${t}`,
      filter: (packet, t) => packet.text?.startsWith(`${t}:`) ?? false,
    });
    const sends = cold('  27ms m').pipe(map(() => socket.send('while away')));
    expectObservable(sends).toBe('27ms q', { q: 'queued' });
    // Missed pong: dropped at 25; back at 30; the topic's packet at 35.
    expectObservable(socket.state$, '^ 45ms !').toBe('(co) 21ms C 4ms o', S);
    expectObservable(topic('A').pipe(map(describePacket)), '^ 45ms !').toBe('35ms a', { a: 'text:A:hello' });
  });
  expect(attempts).toEqual([
    { attempt: 1, delay: 5, close: { code: -1, reason: '', wasClean: false, cause: 'no pong within 5 ms (heartbeat timeout)' } },
  ]);
  expect(arrivals(remotes[0])).toEqual(['0:sub:A', '10:ping', '20:ping']);
  // The backlog first, then the re-subscription, then the beat; unsub:A when the topic is left.
  expect(arrivals(remotes[1])).toEqual(['30:while away', '30:sub:A', '40:ping', '46:unsub:A']);
});
