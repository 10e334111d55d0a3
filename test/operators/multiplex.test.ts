import { map } from 'rxjs';
import { connection, multiplex, reconnect, WebSocketCloseError, type MultiplexConfig } from 'rxpeer';
import { scriptConnections, type ScriptedRemote } from 'rxpeer/testing';
import { createTestScheduler, describePacket, droppedInfo } from './helpers';

const config: MultiplexConfig<string> = {
  subscribe: (topic) => `sub:${topic}`,
  unsubscribe: (topic) => `unsub:${topic}`,
  filter: (packet, topic) => packet.text?.startsWith(`${topic}:`) ?? false,
};

const arrivals = (remote: ScriptedRemote | undefined): string[] =>
  (remote?.received ?? []).map(({ frame, packet }) => `${frame}:${packet.text}`);

describe('multiplex()', () => {
  it('ref-counts per topic: one subscribe and one unsubscribe however many subscribers', () => {
    const { connections$, remotes } = scriptConnections(['------a-b-a'], { a: 'A:1', b: 'B:1' });
    createTestScheduler().run(({ expectObservable }) => {
      const topic = multiplex(connection(connections$), config);
      const subA1 = '       -^-------!';
      const expectedA1 = '  -------a';
      const subA2 = '       ---^----------!';
      const expectedA2 = '  -------a---a';
      const subB = '        -----^--------------!';
      const expectedB = '   ---------b';
      const values = { a: 'text:A:1', b: 'text:B:1' };
      expectObservable(topic('A').pipe(map(describePacket)), subA1).toBe(expectedA1, values);
      expectObservable(topic('A').pipe(map(describePacket)), subA2).toBe(expectedA2, values);
      expectObservable(topic('B').pipe(map(describePacket)), subB).toBe(expectedB, values);
    });
    // The connection starts with the first subscriber (frame 1) and ends with the last (20).
    expect(arrivals(remotes[0])).toEqual(['1:sub:A', '5:sub:B', '14:unsub:A', '20:unsub:B']);
    expect(remotes).toHaveLength(1);
  });

  it('re-subscribes live topics after a reconnect and never sends a stale unsubscribe', () => {
    const { connections$, remotes } = scriptConnections(['-----#', '']);
    createTestScheduler().run(({ expectObservable }) => {
      const socket = connection(connections$.pipe(reconnect({ initialDelay: 5, jitter: 0 })));
      const topic = multiplex(socket, config);
      // Dropped at 5, back at 10. C is left while offline; B is joined while offline.
      expectObservable(topic('A'), '  ^--------------!').toBe('');
      expectObservable(topic('C'), '  --^----!').toBe('');
      expectObservable(topic('B'), '  -------^------------!').toBe('');
    });
    expect(arrivals(remotes[0])).toEqual(['0:sub:A', '2:sub:C']);
    expect(arrivals(remotes[1])).toEqual(['10:sub:A', '10:sub:B', '15:unsub:A', '20:unsub:B']);
  });

  it('a topic stream ends with the connection (here: an unclean close without reconnect)', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['-a-#'], { a: 'A:x' });
      const topic = multiplex(connection(connections$), config);
      expectObservable(topic('A').pipe(map(describePacket))).toBe('-a-#', { a: 'text:A:x' }, new WebSocketCloseError(droppedInfo));
    });
  });

  it('key identifies topics that are objects', () => {
    const { connections$, remotes } = scriptConnections(['']);
    createTestScheduler().run(({ expectObservable }) => {
      const topic = multiplex(connection(connections$), {
        subscribe: (t: { channel: string }) => `sub:${t.channel}`,
        unsubscribe: (t) => `unsub:${t.channel}`,
        filter: () => false,
        key: (t) => t.channel,
      });
      expectObservable(topic({ channel: 'x' }), '^---!').toBe('');
      expectObservable(topic({ channel: 'x' }), '-^----!').toBe('');
    });
    expect(arrivals(remotes[0])).toEqual(['0:sub:x', '6:unsub:x']);
  });

  it('a throwing filter ends that topic stream with its error', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['--a'], { a: 'A:1' });
      const bug = new Error('filter bug');
      const topic = multiplex(connection(connections$), {
        ...config,
        filter: () => {
          throw bug;
        },
      });
      expectObservable(topic('A')).toBe('--#', undefined, bug);
    });
  });

  it('a throwing subscribe() ends that topic stream when the message would go out; the others go on', () => {
    const { connections$, remotes } = scriptConnections(['--a'], { a: 'B:1' });
    createTestScheduler().run(({ expectObservable }) => {
      const bug = new Error('cannot encode');
      const topic = multiplex(connection(connections$), {
        ...config,
        subscribe: (t) => {
          if (t === 'A') throw bug;
          return `sub:${t}`;
        },
      });
      expectObservable(topic('A')).toBe('#', undefined, bug);
      expectObservable(topic('B').pipe(map(describePacket)), '^---!').toBe('--b', { b: 'text:B:1' });
    });
    expect(arrivals(remotes[0])).toEqual(['0:sub:B', '4:unsub:B']);
  });

  it('bad config or target throws a TypeError at creation', () => {
    const socket = connection(scriptConnections([]).connections$);
    expect(() => multiplex(socket, { ...config, subscribe: undefined as never })).toThrow(
      new TypeError('multiplex: subscribe must be a function, got undefined'),
    );
    expect(() => multiplex(socket, { ...config, unsubscribe: 'unsub' as never })).toThrow(/multiplex: unsubscribe must be a function/);
    expect(() => multiplex(socket, { ...config, filter: null as never })).toThrow(/multiplex: filter must be a function/);
    expect(() => multiplex(socket, undefined as never)).toThrow(/multiplex: config must be an object/);
    expect(() => multiplex({} as never, config)).toThrow(/multiplex: expected a Connection/);
  });
});
