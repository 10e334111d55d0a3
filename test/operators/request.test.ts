import { asyncScheduler, map, tap } from 'rxjs';
import { connection, json, reconnect, request, RequestError, WebSocketCloseError, type Packet, type RequestConfig } from 'rxpeer';
import { scriptConnections, type ScriptedRemote } from 'rxpeer/testing';
import { createTestScheduler, droppedInfo, S } from './helpers';

interface Call {
  op: string;
  n: number;
}

const config: RequestConfig<Call> = {
  encode: (body, id) => JSON.stringify({ id, ...body }),
  responseId: (packet: Packet) => (JSON.parse(packet.text ?? '') as { re?: number }).re,
  timeout: 10,
};

/** The remote answers `{ id, n }` with `{ re: id, result: 2n }` after `delayFor(id)` ms (virtual). */
function serve(remote: ScriptedRemote, delayFor: (id: number) => number = () => 0): void {
  remote.remote.packets$.subscribe({
    next: (packet) => {
      const { id, n } = JSON.parse(packet.text!) as { id: number; n: number };
      asyncScheduler.schedule(() => remote.remote.send(JSON.stringify({ re: id, result: n * 2 })), delayFor(id));
    },
    error: () => {},
  });
}

const result = json<{ re: number; result: number }>();

describe('request()', () => {
  it('correlates responses by id, out of order', () => {
    const { connections$, remotes } = scriptConnections(['']);
    createTestScheduler().run(({ expectObservable }) => {
      const socket = connection(connections$.pipe(tap(() => serve(remotes[0]!, (id) => (id === 1 ? 5 : 0)))));
      const call = request(socket, config);
      expectObservable(socket.state$, '^ 10ms !').toBe('(co)', S);
      expectObservable(call({ op: 'double', n: 21 }).pipe(result)).toBe('-----(r|)', { r: { re: 1, result: 42 } });
      expectObservable(call({ op: 'double', n: 4 }).pipe(result), '-^').toBe('-(r|)', { r: { re: 2, result: 8 } });
    });
  });

  it('times out with RequestError("timeout"); a late response is ignored', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { connections$, remotes } = scriptConnections(['']);
      const socket = connection(connections$.pipe(tap(() => serve(remotes[0]!, () => 15))));
      const call = request(socket, config);
      expectObservable(socket.state$, '^ 20ms !').toBe('(co)', S);
      expectObservable(call({ op: 'slow', n: 1 })).toBe('10ms #', undefined, new RequestError('timeout', 1));
    });
    expect(scheduler.actions).toHaveLength(0);
  });

  it('a request made while offline is queued and answered after the reconnect', () => {
    const { connections$, remotes } = scriptConnections(['-----#', '']);
    createTestScheduler().run(({ expectObservable }) => {
      const answering = connections$.pipe(tap(() => serve(remotes[remotes.length - 1]!)));
      const socket = connection(answering.pipe(reconnect({ initialDelay: 5, jitter: 0 })));
      const call = request(socket, config);
      expectObservable(socket.state$, '^ 15ms !').toBe('(co)-C 4ms o', S);
      // Dropped at 5, back at 10: the request made at 7 goes out at 10.
      expectObservable(call({ op: 'double', n: 5 }).pipe(result), '-------^').toBe('----------(r|)', { r: { re: 1, result: 10 } });
    });
    expect(remotes[1]!.received.map((r) => r.frame)).toEqual([10]);
  });

  it('volatile: a request while offline fails at once with RequestError("dropped")', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['-----#', '']);
      const socket = connection(connections$.pipe(reconnect({ initialDelay: 5, jitter: 0 })));
      const call = request(socket, { ...config, volatile: true });
      expectObservable(socket.state$, '^ 15ms !').toBe('(co)-C 4ms o', S);
      expectObservable(call({ op: 'now', n: 1 }), '-------^').toBe('-------#', undefined, new RequestError('dropped', 1));
    });
  });

  it('the connection ending fails pending requests: with its error, or RequestError("closed")', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const dropped = connection(scriptConnections(['---#']).connections$);
      const closed = connection(scriptConnections(['---|']).connections$);
      expectObservable(request(dropped, config)({ op: 'x', n: 1 })).toBe('---#', undefined, new WebSocketCloseError(droppedInfo));
      expectObservable(request(closed, config)({ op: 'x', n: 1 })).toBe('---#', undefined, new RequestError('closed', 1));
    });
  });

  it('packets that are not responses (other traffic, malformed JSON) are ignored', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$, remotes } = scriptConnections(['-a-b'], { a: '{oops', b: '{"news":1}' });
      const socket = connection(connections$.pipe(tap(() => serve(remotes[0]!, () => 6))));
      expectObservable(request(socket, config)({ op: 'x', n: 3 }).pipe(map((p) => p.text))).toBe('------(r|)', { r: '{"re":1,"result":6}' });
    });
  });

  it('unsubscribing forgets the request and its timer', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { connections$, remotes } = scriptConnections(['']);
      const socket = connection(connections$.pipe(tap(() => serve(remotes[0]!, () => 5))));
      expectObservable(request(socket, config)({ op: 'x', n: 1 }), '^--!').toBe('');
    });
    expect(scheduler.actions).toHaveLength(0);
  });

  it('custom ids; a duplicate pending id is an error', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['']);
      const socket = connection(connections$);
      const call = request(socket, { ...config, nextId: () => 'same' });
      expectObservable(call({ op: 'x', n: 1 }), '^--!').toBe('');
      expectObservable(call({ op: 'x', n: 2 }), '-^').toBe('-#', undefined, new TypeError('request: id same is already pending'));
    });
  });

  it('bad config throws a TypeError at creation', () => {
    const socket = connection(scriptConnections([]).connections$);
    expect(() => request(socket, { ...config, timeout: -5 })).toThrow(
      new RangeError('request: timeout must be a finite number of milliseconds > 0, got -5'),
    );
    expect(() => request(socket, { ...config, encode: undefined as never })).toThrow(/request: encode must be a function/);
    expect(() => request(socket, { ...config, responseId: 'id' as never })).toThrow(/request: responseId must be a function/);
    expect(() => request(socket, undefined as never)).toThrow(/request: config must be an object/);
    expect(() => request(null as never, config)).toThrow(/request: expected a Connection/);
  });
});
