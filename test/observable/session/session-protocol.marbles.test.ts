// The session protocol in virtual time, over a network where the test cuts the connection
// at any frame: every message arrives exactly once, in order, both ways, whatever frame
// the cut loses (a message, its acknowledgement, a replayed message, a handshake frame).
import { asyncScheduler, defer, type Observer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ErrorCode, State } from '../../../src/peer/constants';
import type { Packet } from '../../../src/peer/packet';
import { clientSession } from '../../../src/observable/session/client-session';
import type { SessionLimits } from '../../../src/observable/session/session-core';
import type { CloseInfo } from '../../../src/observable/errors';
import type { SessionPeer } from '../../../src/observable/session/session-peer';
import { SessionServer } from '../../../src/observable/session/session-server';
import { FrameKind } from '../../../src/observable/session/wire';
import { VirtualNetwork } from './virtual-network';

const LIMITS: SessionLimits = { windowMs: 1000, maxBufferedBytes: 1 << 20, ackDelayMs: 5 };
const describePacket = (p: Packet): string => (p.isString ? `t:${p.text}` : `b:${[...p.data].join(',')}`);

/** Message i of one side: odd ones text, even ones binary, so both kinds cross every cut. */
function message(side: 'c' | 's', i: number): string | Uint8Array {
  return i % 2 === 1 ? `${side}${i}` : Uint8Array.of(side === 'c' ? 1 : 2, i);
}
const expected = (side: 'c' | 's', count: number): string[] =>
  Array.from({ length: count }, (_, k) => {
    const m = message(side, k + 1);
    return typeof m === 'string' ? `t:${m}` : `b:${[...m].join(',')}`;
  });

interface Outcome {
  clientGot: string[];
  serverGot: string[];
  clientSessions: number;
  serverSessions: number;
  clientError: unknown;
  clientEnd: CloseInfo | null;
  serverEnd: CloseInfo | null;
  frames: number;
  connections: number;
}

/** Both sides send `count` messages, one a millisecond, from the moment each has its session. */
function exchange(cuts: number[], count = 8, limits = LIMITS, cutTimes: number[] = []): Outcome {
  const outcome: Outcome = {
    clientGot: [],
    serverGot: [],
    clientSessions: 0,
    serverSessions: 0,
    clientError: null,
    clientEnd: null,
    serverEnd: null,
    frames: 0,
    connections: 0,
  };
  new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
    const talk = (session: SessionPeer, side: 'c' | 's', got: string[], end: (info: CloseInfo) => void): void => {
      session.packets$.subscribe((p) => got.push(describePacket(p)));
      session.close$.subscribe(end);
      for (let i = 1; i <= count; i++) {
        asyncScheduler.schedule(() => {
          if (!session.ended) expect(session.send(message(side, i))).toBe(ErrorCode.OK);
        }, i);
      }
    };
    const server = new SessionServer(limits, asyncScheduler, (session) => {
      outcome.serverSessions++;
      talk(session, 's', outcome.serverGot, (info) => (outcome.serverEnd = info));
    });
    const network = new VirtualNetwork((link) => server.accept(link));
    for (const cut of cuts) network.cutBefore.add(cut);
    for (const time of cutTimes) asyncScheduler.schedule(() => network.cutNow(), time);
    const observer: Partial<Observer<SessionPeer>> = {
      next: (session) => {
        outcome.clientSessions++;
        talk(session, 'c', outcome.clientGot, (info) => (outcome.clientEnd = info));
      },
      error: (error: unknown) => (outcome.clientError = error),
    };
    clientSession(network.dial, limits, asyncScheduler).subscribe(observer);
    asyncScheduler.schedule(() => {
      outcome.frames = network.frameCount;
      outcome.connections = network.connections;
    }, 500);
  });
  return outcome;
}

describe('session protocol: exactly once, in order, across cuts', () => {
  const clean = exchange([]);
  const frames = clean.frames;

  it('without cuts: one connection, every message both ways', () => {
    expect(clean.clientGot).toEqual(expected('s', 8));
    expect(clean.serverGot).toEqual(expected('c', 8));
    expect([clean.clientSessions, clean.serverSessions, clean.connections]).toEqual([1, 1, 1]);
    expect(frames).toBeGreaterThan(16);
  });

  it('a cut at any single frame (handshake, message, acknowledgement) loses nothing after the session exists', () => {
    for (let cut = 1; cut <= frames; cut++) {
      const outcome = exchange([cut]);
      if (cut <= 2) {
        // HELLO or WELCOME lost: the first connection failed before a session existed, and that is reported.
        expect(outcome.clientError).toMatchObject({ name: 'WebSocketCloseError', code: -1 });
        expect([outcome.clientSessions, outcome.serverSessions]).toEqual([0, 0]);
        continue;
      }
      expect({ cut, ...outcome, frames: 0, connections: 0 }).toEqual({
        cut,
        ...outcome,
        clientGot: expected('s', 8),
        serverGot: expected('c', 8),
        clientSessions: 1,
        serverSessions: 1,
        clientError: null,
        clientEnd: null,
        serverEnd: null,
        frames: 0,
        connections: 0,
      });
      expect(outcome.connections).toBe(2);
    }
  });

  it('a second cut during the resume handshake or the replay loses nothing either', () => {
    for (let first = 3; first <= frames; first++) {
      for (let gap = 1; gap <= 8; gap++) {
        const outcome = exchange([first, first + gap]);
        expect({ first, gap, got: [outcome.clientGot, outcome.serverGot], sessions: [outcome.clientSessions, outcome.serverSessions] }).toEqual({
          first,
          gap,
          got: [expected('s', 8), expected('c', 8)],
          sessions: [1, 1],
        });
        expect([outcome.clientError, outcome.clientEnd, outcome.serverEnd]).toEqual([null, null, null]);
      }
    }
  });

  it('ten cuts in a row, one every 4 ms while both sides send a message a millisecond', () => {
    const outcome = exchange([], 40, LIMITS, [4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    expect(outcome.clientGot).toEqual(expected('s', 40));
    expect(outcome.serverGot).toEqual(expected('c', 40));
    expect(outcome.connections).toBe(11);
  });
});

/** One client session and the server's, with the network, for scenario tests in a run() callback. */
function pair(limits = LIMITS) {
  const state = {
    client: null as SessionPeer | null,
    server: null as SessionPeer | null,
    clientError: null as unknown,
    clientDone: false,
    serverSessions: 0,
  };
  let server = new SessionServer(limits, asyncScheduler, (session) => {
    state.server = session;
    state.serverSessions++;
  });
  const network = new VirtualNetwork((link) => server.accept(link));
  clientSession(network.dial, limits, asyncScheduler).subscribe({
    next: (session) => (state.client = session),
    error: (error: unknown) => (state.clientError = error),
    complete: () => (state.clientDone = true),
  });
  const restartServer = (): void => {
    server = new SessionServer(limits, asyncScheduler, (session) => {
      state.server = session;
      state.serverSessions++;
    });
  };
  return { state, network, restartServer, get server() { return server; } };
}

const at = (ms: number, work: () => void): void => void asyncScheduler.schedule(work, ms);
const endOf = (session: SessionPeer | null): CloseInfo | null => {
  let info: CloseInfo | null = null;
  session?.close$.subscribe((i) => (info = i));
  return info;
};

describe('session protocol: what cannot be resumed is reported', () => {
  it('state$ stays OPEN across a drop and its resume', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ expectObservable }) => {
      const { state, network } = pair();
      at(10, () => network.cutNow());
      // Subscribed from 5 ms to 200 ms: OPEN, and nothing else, through the drop at 10 ms.
      expectObservable(defer(() => state.client!.state$), '5ms ^ 194ms !').toBe('5ms o', { o: State.OPEN });
      at(30, () => expect(state.client!.send('after')).toBe(ErrorCode.OK));
      const got: string[] = [];
      at(6, () => state.server!.packets$.subscribe((p) => got.push(describePacket(p))));
      at(100, () => expect([got, network.connections, state.serverSessions]).toEqual([['t:after'], 2, 1]));
    });
  });

  it('window passed: both ends close uncleanly with a cause, the client stream errors', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
      const { state, network } = pair();
      at(10, () => {
        network.down = true;
        network.cutNow();
      });
      at(2000, () => {
        expect(endOf(state.client)).toEqual({ code: -1, reason: '', wasClean: false, cause: expect.stringContaining('no reconnect within windowMs (1000 ms)') });
        expect(endOf(state.server)).toEqual({ code: -1, reason: '', wasClean: false, cause: expect.stringContaining('windowMs') });
        expect(state.clientError).toMatchObject({ name: 'WebSocketCloseError', code: -1 });
        expect(network.connections).toBeGreaterThan(2);
        expect(network.connections).toBeLessThan(20); // backoff, not a busy loop
      });
    });
  });

  it('server restarted: the resume is refused and the client session ends with the reason', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
      const p = pair();
      at(10, () => {
        p.restartServer();
        p.network.cutNow();
      });
      at(100, () => {
        expect(endOf(p.state.client)).toEqual({
          code: -1,
          reason: '',
          wasClean: false,
          cause: 'the server does not know this session: its window passed or the server restarted',
        });
        expect(p.state.clientError).toMatchObject({ name: 'WebSocketCloseError' });
      });
    });
  });

  it('buffer overflow while disconnected ends the session; while connected, send() pushes back', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
      const { state, network } = pair({ ...LIMITS, maxBufferedBytes: 10 });
      at(5, () => {
        expect(state.client!.send(new Uint8Array(8))).toBe(ErrorCode.OK);
        expect(state.client!.send(new Uint8Array(8))).toBe(ErrorCode.ERR_OUT_OF_MEMORY); // not acknowledged yet
        expect(state.client!.send(new Uint8Array(11))).toBe(ErrorCode.ERR_INVALID_PARAMETER); // could never fit
      });
      at(20, () => {
        expect(state.client!.bufferedBytes).toBe(0); // acknowledged on the ack timer
        network.down = true;
        network.cutNow();
      });
      at(30, () => {
        expect(state.client!.send(new Uint8Array(8))).toBe(ErrorCode.OK);
        expect(state.client!.send(new Uint8Array(8))).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
        expect(endOf(state.client)).toEqual({ code: -1, reason: '', wasClean: false, cause: expect.stringContaining('maxBufferedBytes (10)') });
      });
    });
  });

  it('an unanswered handshake: the first connection fails with a cause, an unanswered resume is tried again', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
      const limits = { ...LIMITS, windowMs: 20_000 };
      let silent = true;
      const server = new SessionServer(limits, asyncScheduler, () => {});
      const network = new VirtualNetwork((link) => !silent && server.accept(link));
      let firstError: unknown = null;
      clientSession(network.dial, limits, asyncScheduler).subscribe({ error: (e: unknown) => (firstError = e) });
      at(6000, () => expect(firstError).toMatchObject({ cause: 'the server did not answer the session handshake within 5000 ms' }));

      at(7000, () => (silent = false));
      let session: SessionPeer | null = null;
      at(7000, () => clientSession(network.dial, limits, asyncScheduler).subscribe((s) => (session = s)));
      at(7100, () => {
        silent = true;
        network.cutNow();
      });
      at(15_000, () => (silent = false)); // the attempt at 7100 timed out at 12100; later ones get through
      at(19_000, () => {
        expect(endOf(session)).toBeNull();
        expect(session!.send('still one session')).toBe(ErrorCode.OK);
      });
    });
  });

  it('a clean close by the application ends both sides cleanly and completes the client stream', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
      const { state } = pair();
      at(10, () => expect(state.client!.close(4000, 'bye')).toBe(ErrorCode.OK));
      at(50, () => {
        expect(endOf(state.client)).toEqual({ code: 4000, reason: 'bye', wasClean: true });
        expect(endOf(state.server)).toEqual({ code: 4000, reason: 'bye', wasClean: true });
        expect(state.clientDone).toBe(true);
      });
    });
  });
});

describe('session protocol: credentials', () => {
  /** A connection of an attacker that replays `frame` as its first frame; resolves to its close. */
  function replay(network: VirtualNetwork, frame: Uint8Array): { closed: CloseInfo | null; got: number } {
    const attacker = { closed: null as CloseInfo | null, got: 0 };
    const link = network.dial();
    link.state$.subscribe((s) => s === State.OPEN && link.send(frame));
    link.packets$.subscribe(() => attacker.got++);
    link.close$.subscribe((info) => (attacker.closed = info));
    return attacker;
  }

  it('a copied resume handshake never joins the session once the client used it; a forged one never does', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
      const { state, network } = pair();
      let copied: Uint8Array | null = null;
      const attackers: ReturnType<typeof replay>[] = [];
      at(10, () => network.cutNow());
      at(20, () => {
        copied = network.log.find((f) => f.fromClient && f.data[0] === FrameKind.RESUME)!.data;
        attackers.push(replay(network, copied)); // after the client's resume was confirmed
        const forged = copied.slice();
        forged[forged.length - 1]! ^= 1;
        attackers.push(replay(network, forged));
      });
      at(40, () => {
        for (const attacker of attackers) {
          expect(attacker.closed).toEqual({ code: 4001, reason: expect.stringContaining('credential was refused'), wasClean: true });
          expect(attacker.got).toBe(0);
        }
        // The session is untouched: it still carries messages both ways.
        expect(state.client!.send('still here')).toBe(ErrorCode.OK);
      });
      const got: string[] = [];
      at(41, () => state.server!.packets$.subscribe((p) => got.push(describePacket(p))));
      at(60, () => expect([got, state.serverSessions]).toEqual([['t:still here'], 1]));
    });
  });

  it('a copy of the resume handshake replayed before the client confirmed it gets "busy", and nothing of the session', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
      const p = pair();
      const fast = new VirtualNetwork((link) => p.server.accept(link), 0);
      const attackers: ReturnType<typeof replay>[] = [];
      p.network.onSend = (frame) => {
        // The moment the server answers the client's resume, the attacker replays the copy.
        if (frame.fromClient || frame.data[0] !== FrameKind.RESUMED) return;
        const copy = p.network.log.find((f) => f.fromClient && f.data[0] === FrameKind.RESUME)!.data;
        attackers.push(replay(fast, copy));
      };
      at(10, () => p.network.cutNow());
      at(40, () => {
        expect(attackers).toHaveLength(1);
        expect(attackers[0]!.closed).toEqual({ code: 4002, reason: 'the session is busy on another connection; try again', wasClean: true });
        expect(attackers[0]!.got).toBe(0);
        expect(p.state.client!.send('mine')).toBe(ErrorCode.OK);
      });
      const got: string[] = [];
      at(41, () => p.state.server!.packets$.subscribe((pk) => got.push(describePacket(pk))));
      at(60, () => expect([got, p.state.serverSessions, endOf(p.state.client)]).toEqual([['t:mine'], 1, null]));
    });
  });

  it('a resume answer lost on a connection the server still thinks open: the client retries until the server notices', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
      const p = pair();
      p.network.onSend = (frame) => {
        if (!frame.fromClient && frame.data[0] === FrameKind.RESUMED && p.network.halfOpenBefore.size === 0) p.network.halfOpenBefore.add(frame.number);
      };
      at(5, () => p.state.server!.send('before'));
      at(10, () => p.network.cutNow());
      at(11, () => p.state.server!.send('during'));
      at(300, () => {
        const refusals = p.network.log.filter((f) => f.fromClient && f.data[0] === FrameKind.RESUME).length;
        expect(refusals).toBeGreaterThan(2); // the first resume, then retries answered "busy"
        p.network.closeHalfOpen();
      });
      const got: string[] = [];
      at(6, () => p.state.client!.packets$.subscribe((pk) => got.push(describePacket(pk))));
      at(2000, () => {
        expect(got).toEqual(['t:before', 't:during']);
        expect([endOf(p.state.client), endOf(p.state.server), p.state.serverSessions]).toEqual([null, null, 1]);
      });
    });
  });

  it('each resume issues a fresh credential', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(() => {
      const { network } = pair();
      at(10, () => network.cutNow());
      at(30, () => network.cutNow());
      at(50, () => {
        const tokens = network.log
          .filter((f) => !f.fromClient && (f.data[0] === FrameKind.WELCOME || f.data[0] === FrameKind.RESUMED))
          .map((f) => Buffer.from(f.data.subarray(f.data.length - 48)).toString('hex'));
        expect(tokens).toHaveLength(3);
        expect(new Set(tokens).size).toBe(3);
        expect(new Set(tokens.map((t) => t.slice(0, 32))).size).toBe(1); // one session id
      });
    });
  });
});
