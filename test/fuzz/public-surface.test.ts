// Fuzz-style test of the public surface: every export, every method and option, given a
// value of every type. Each call must end in a documented answer: a return value (an
// ErrorCode from the peer layer), or a TypeError / RangeError naming what was wrong, thrown
// at the call. Never an internal crash ("Cannot read properties of undefined", a message
// builder that throws on a Symbol), and the object must still work afterwards.
// Deterministic: fixed values, no randomness; no listening socket outside 127.0.0.1.
import { NEVER } from 'rxjs';
import {
  backoffDelay,
  binary,
  connect,
  connection,
  DecodeError,
  ErrorCode,
  fromMultiplayerPeer,
  fromPeer,
  heartbeat,
  json,
  listen,
  MAX_PEER_SECONDS,
  multiplex,
  reconnect,
  request,
  RequestError,
  SendQueue,
  sendQueue,
  SendQueueOverflowError,
  State,
  StreamPeerTCP,
  StreamPeerTLS,
  TCPServer,
  text,
  TLSOptions,
  WebSocketClient,
  WebSocketCloseError,
  WebSocketMultiplayerPeer,
  WebSocketPeer,
  WebSocketPeerError,
  WebSocketServer,
  WriteMode,
} from 'rxpeer';
import { createMemoryNetwork, createMemoryPair, scriptConnections, scriptRemote } from 'rxpeer/testing';
import { joinInMemory } from '../../src/peer/memory/memory-transport.js';

/** One value of every type, and the numbers that break naive checks. */
const VALUES: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['-1', -1],
  ['0', 0],
  ['2**31', 2 ** 31],
  ['2**53', 2 ** 53],
  ['""', ''],
  ['"x"', 'x'],
  ['{}', {}],
  ['Object.create(null)', Object.create(null)],
  ['[]', []],
  ['BigInt', 10n],
  ['Symbol', Symbol('fuzz')],
  ['function', () => 'fuzz'],
  ['true', true],
];

/** What an internal crash looks like, as opposed to a message written for the caller. */
const INTERNAL = /Cannot read prop|Cannot set prop|is not a function|is not iterable|Cannot convert|Cannot destructure|is not a constructor|Maximum call stack|Invalid array length|Do not know how to serialize/;

/** Every undocumented answer of the current test, reported together at its end. */
let failures: string[] = [];

beforeEach(() => {
  failures = [];
});

afterEach(() => {
  expect(failures).toEqual([]);
});

/** Runs `call`; a throw must be a TypeError or RangeError with a message for a person. Returns what it returned. */
function documented(what: string, call: () => unknown): unknown {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) {
      failures.push(`${what}: threw ${String(error)} (expected a TypeError or RangeError, or a return value)`);
    } else if (INTERNAL.test(error.message)) {
      failures.push(`${what}: internal crash: ${error.message}`);
    }
    return undefined;
  }
  if (result instanceof Promise) result.catch(() => {});
  return result;
}

const isErrorCode = (value: unknown): boolean => typeof value === 'number' && ErrorCode[value] !== undefined;

const PROTECTED = new Set(['enqueue', 'clearQueue', 'flush', 'delivered']);

/** Every method and setter an object's classes declare (own prototype chain, not Object's). */
function surfaceOf(object: object): { methods: string[]; setters: string[] } {
  const methods = new Set<string>();
  const setters = new Set<string>();
  for (let proto = Object.getPrototypeOf(object); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      // Protected helpers of the Godot 3 signal base are not callable from TypeScript.
      if (name === 'constructor' || PROTECTED.has(name)) continue;
      if (typeof descriptor.value === 'function') methods.add(name);
      if (descriptor.set !== undefined) setters.add(name);
    }
  }
  return { methods: [...methods], setters: [...setters] };
}

/** Calls every method with every value (alone, and after a plausible first argument), sets every setter to every value. */
function fuzzObject(label: string, object: object, options: { skip?: string[]; first?: Record<string, unknown> } = {}): void {
  const { methods, setters } = surfaceOf(object);
  const target = object as Record<string, unknown>;
  for (const name of methods) {
    if (options.skip?.includes(name)) continue;
    for (const [shown, value] of VALUES) {
      documented(`${label}.${name}(${shown})`, () => (target[name] as (...a: unknown[]) => unknown).call(object, value));
      if (options.first !== undefined && name in options.first) {
        documented(`${label}.${name}(…, ${shown})`, () =>
          (target[name] as (...a: unknown[]) => unknown).call(object, options.first![name], value),
        );
      }
    }
  }
  for (const name of setters) {
    const before = target[name];
    for (const [shown, value] of VALUES) documented(`${label}.${name} = ${shown}`, () => (target[name] = value));
    // A value the setter refused leaves the old one: a number property stays a usable number.
    if (typeof before === 'number') expect(Number.isFinite(target[name] as number)).toBe(true);
  }
}

/** The peer still connects, sends and receives (over a memory pair). */
function expectWorkingPeer(peer: WebSocketPeer): void {
  peer.close(-1);
  peer.supportedProtocols = [];
  peer.handshakeHeaders = [];
  peer.inboundBufferSize = 65535;
  peer.outboundBufferSize = 65535;
  const other = new WebSocketPeer();
  joinInMemory(peer, other);
  peer.poll();
  other.poll();
  expect(peer.getReadyState()).toBe(State.OPEN);
  expect(peer.sendText('still works')).toBe(ErrorCode.OK);
  other.poll();
  expect(new TextDecoder().decode(other.getPacket())).toBe('still works');
  peer.close(-1);
  other.close(-1);
}

describe('the public surface, fuzzed with a value of every type', () => {
  it('WebSocketPeer: every method and setter, CLOSED and OPEN; ErrorCodes only; still works after', () => {
    const peer = new WebSocketPeer();
    fuzzObject('WebSocketPeer', peer, {
      first: { connectToUrl: 'ws://127.0.0.1:1/', send: new Uint8Array(1), close: 1000 },
    });
    for (const [shown, value] of VALUES) {
      for (const method of ['connectToUrl', 'acceptStream', 'send', 'sendText', 'putPacket', 'close'] as const) {
        const result = documented(`${method}(${shown})`, () => (peer[method] as (v: unknown) => unknown)(value));
        expect(isErrorCode(result)).toBe(true);
      }
    }
    for (const name of ['heartbeatInterval', 'handshakeTimeout', 'closeTimeout'] as const) {
      expect(peer[name]).toBeLessThanOrEqual(MAX_PEER_SECONDS);
      expect(peer[name]).toBeGreaterThanOrEqual(0);
    }
    expectWorkingPeer(peer);

    // The same calls on an OPEN peer.
    const other = new WebSocketPeer();
    joinInMemory(peer, other);
    peer.poll();
    other.poll();
    expect(peer.getReadyState()).toBe(State.OPEN);
    fuzzObject('open WebSocketPeer', peer, {
      skip: ['connectToUrl', 'acceptStream'],
      first: { send: new Uint8Array(1), close: 1000 },
    });
    expect(isErrorCode(peer.send(new Uint8Array(1), WriteMode.BINARY))).toBe(true);
    expectWorkingPeer(peer);
  });

  it('TLSOptions factories: a TypeError naming the option, or options connectToUrl takes', () => {
    for (const [shown, value] of VALUES) {
      const made = [
        documented(`TLSOptions.client(${shown})`, () => TLSOptions.client(value as never)),
        documented(`TLSOptions.client({ trustedCa: ${shown} })`, () => TLSOptions.client({ trustedCa: value as never })),
        documented(`TLSOptions.client({ commonNameOverride: ${shown} })`, () => TLSOptions.client({ commonNameOverride: value as never })),
        documented(`TLSOptions.clientUnsafe(${shown})`, () => TLSOptions.clientUnsafe(value as never)),
        documented(`TLSOptions.clientUnsafe({ trustedCa: ${shown} })`, () => TLSOptions.clientUnsafe({ trustedCa: value as never })),
        documented(`TLSOptions.server(${shown}, ${shown})`, () => TLSOptions.server(value as never, value as never)),
      ];
      for (const options of made) {
        if (options === undefined) continue;
        expect(options).toBeInstanceOf(TLSOptions);
        const peer = new WebSocketPeer();
        // Nothing that passed the factory may crash later: refused now, or a connection attempt.
        const result = peer.connectToUrl('wss://127.0.0.1:1/', options as TLSOptions);
        expect(isErrorCode(result)).toBe(true);
        peer.close(-1);
      }
    }
    expect(() => TLSOptions.client({ commonNameOverride: {} as never })).toThrow(/commonNameOverride/);
    expect(() => TLSOptions.client({ trustedCA: 'x' } as never)).toThrow(/did you mean "trustedCa"/);
    // A forged object is not options made by a factory.
    expect(new WebSocketPeer().connectToUrl('wss://127.0.0.1:1/', Object.create(TLSOptions.prototype))).toBe(ErrorCode.ERR_INVALID_PARAMETER);
  });

  it('Node servers and streams: TCPServer, StreamPeerTCP, StreamPeerTLS (127.0.0.1 only)', async () => {
    const server = new TCPServer();
    for (const [shown, value] of VALUES) {
      const result = documented(`TCPServer.listen(${shown}, '127.0.0.1')`, () => server.listen(value as number, '127.0.0.1'));
      expect(isErrorCode(result)).toBe(true);
      await server.ready();
      server.stop();
      documented(`TCPServer.listen(1, ${shown})`, () => server.listen(65535, value as string));
      await server.ready();
      server.stop();
    }
    fuzzObject('TCPServer', server, { skip: ['listen'] });
    server.stop();
    for (const [shown, value] of VALUES) {
      documented(`new StreamPeerTCP(${shown})`, () => new StreamPeerTCP(value as never));
      const result = documented(`StreamPeerTLS.acceptStream(${shown})`, () => new StreamPeerTLS().acceptStream(value as never, value as never));
      expect(isErrorCode(result)).toBe(true);
    }
  });

  it("Godot 3's WebSocketClient and WebSocketServer: refused calls register nothing; poll() keeps working", () => {
    const client = new WebSocketClient();
    fuzzObject('WebSocketClient', client, { first: { connectToUrl: 'ws://127.0.0.1:1/', on: 'data_received', off: 'data_received' } });
    expect(() => client.on('connection_established', 42 as never)).toThrow(TypeError);
    expect(() => client.on('no_such_signal' as never, () => {})).toThrow(/unknown signal/);
    client.disconnectFromHost(-1);
    expect(() => client.poll()).not.toThrow();

    const server = new WebSocketServer();
    server.bindIp = '127.0.0.1';
    fuzzObject('WebSocketServer', server, { skip: ['listen'], first: { on: 'client_connected', off: 'client_connected' } });
    expect(() => server.on('client_connected', 42 as never)).toThrow(TypeError);
    server.bindIp = '127.0.0.1';
    for (const [shown, value] of VALUES) {
      if (value === 0) continue; // a real listen is tested elsewhere
      const result = documented(`WebSocketServer.listen(${shown})`, () => server.listen(value as number));
      expect(isErrorCode(result)).toBe(true);
      server.stop();
    }
    expect(() => server.poll()).not.toThrow();
  });

  it('WebSocketMultiplayerPeer: every method and setter', () => {
    const peer = new WebSocketMultiplayerPeer();
    fuzzObject('WebSocketMultiplayerPeer', peer, {
      skip: ['createServer'],
      first: { createClient: 'ws://127.0.0.1:1/', on: 'peer_connected', off: 'peer_connected' },
    });
    peer.close();
    for (const [shown, value] of VALUES) {
      if (value === 0) continue;
      const result = documented(`createServer(${shown}, '127.0.0.1')`, () => peer.createServer(value as number, '127.0.0.1'));
      expect(isErrorCode(result)).toBe(true);
      peer.close();
    }
    expect(() => peer.poll()).not.toThrow();
  });

  it('the observable layer: fromPeer, connect, listen, fromMultiplayerPeer, with every option', () => {
    const optionKeys = [
      'protocols', 'headers', 'inboundBufferSize', 'outboundBufferSize', 'maxQueuedPackets',
      'heartbeatInterval', 'noDelay', 'scheduler', 'pollInterval', 'tls', 'connectTimeout',
    ];
    for (const [shown, value] of VALUES) {
      documented(`fromPeer(${shown})`, () => fromPeer(value as never));
      documented(`fromPeer(peer, ${shown})`, () => fromPeer(new WebSocketPeer(), value as never));
      documented(`fromMultiplayerPeer(${shown})`, () => fromMultiplayerPeer(value as never));
      documented(`connect(${shown})`, () => connect(value as never));
      documented(`connect(url, ${shown})`, () => connect('ws://127.0.0.1:1/', value as never));
      documented(`listen(${shown})`, () => listen(value as never, { bindAddress: '127.0.0.1' } as never));
      documented(`listen(0, ${shown})`, () => listen(0, value as never));
      for (const key of optionKeys) {
        documented(`connect(url, { ${key}: ${shown} })`, () => connect('ws://127.0.0.1:1/', { [key]: value } as never));
        documented(`fromPeer(peer, { ${key}: ${shown} })`, () => fromPeer(new WebSocketPeer(), { [key]: value } as never));
        documented(`listen(0, { ${key}: ${shown} })`, () => listen(0, { bindAddress: '127.0.0.1', [key]: value } as never));
      }
    }
    expect(() => fromPeer(new WebSocketPeer(), { pollInterval: 2 ** 31 })).toThrow(RangeError);
  });

  it('the operators and their configs', () => {
    const configs: [string, (config: unknown) => unknown, string[]][] = [
      ['text', (c) => text(c as never), ['acceptBinary', 'onError', 'failOnError']],
      ['binary', (c) => binary(c as never), ['acceptText', 'onError', 'failOnError']],
      ['json', (c) => json(c as never), ['acceptBinary', 'reviver', 'validate', 'onError', 'failOnError']],
      ['reconnect', (c) => reconnect(c as never), ['initialDelay', 'maxDelay', 'factor', 'jitter', 'maxRetries', 'resetOnSuccess', 'shouldRetry', 'onAttempt', 'random', 'scheduler']],
      ['backoffDelay', (c) => backoffDelay(1, c as never), ['initialDelay', 'maxDelay', 'factor']],
      ['heartbeat', (c) => heartbeat(c as never), ['interval', 'timeout', 'ping', 'isPong', 'hidePongs', 'scheduler']],
      ['sendQueue', (c) => sendQueue(c as never), ['limit', 'overflow', 'onDrop', 'retryInterval', 'scheduler']],
      ['connection', (c) => connection(NEVER, c as never), ['queue']],
      ['multiplex', (c) => multiplex(connection(NEVER), c as never), ['subscribe', 'unsubscribe', 'filter', 'key']],
      ['request', (c) => request(connection(NEVER), c as never), ['encode', 'responseId', 'timeout', 'volatile', 'nextId', 'scheduler']],
    ];
    for (const [name, make, keys] of configs) {
      for (const [shown, value] of VALUES) {
        documented(`${name}(${shown})`, () => make(value));
        for (const key of keys) documented(`${name}({ ${key}: ${shown} })`, () => make({ [key]: value }));
      }
    }
    for (const [shown, value] of VALUES) {
      const delay = documented(`backoffDelay(${shown})`, () => backoffDelay(value as number));
      if (delay !== undefined) expect(Number.isFinite(delay)).toBe(true);
      documented(`connection(${shown})`, () => connection(value as never));
    }
  });

  it('SendQueue: a refused attach() or send() changes nothing', () => {
    const queue = new SendQueue({ limit: 10 });
    fuzzObject('SendQueue', queue, { first: { send: 'hello' } });
    for (const [, value] of VALUES) expect(() => queue.attach(value as never)).toThrow(TypeError);
    // Still usable: attach a real open peer and send.
    const [a, b] = createMemoryPair();
    const socket = fromPeer(a);
    const attachment = queue.attach(socket);
    a.poll();
    b.poll();
    expect(a.getReadyState()).toBe(State.OPEN);
    const result = queue.send('after the fuzz');
    expect(['sent', 'queued']).toContain(result);
    attachment.unsubscribe();
    a.close(-1);
    b.close(-1);
  });

  it('the test kit: scriptRemote, scriptConnections, createMemoryPair, createMemoryNetwork', () => {
    for (const [shown, value] of VALUES) {
      documented(`scriptRemote(${shown})`, () => scriptRemote(value as never));
      documented(`scriptRemote('-', ${shown})`, () => scriptRemote('-', value as never));
      documented(`scriptRemote('-', {}, ${shown})`, () => scriptRemote('-', {}, value as never));
      for (const key of ['scheduler', 'close', 'answersPings', 'refuse']) {
        documented(`scriptRemote('-', {}, { ${key}: ${shown} })`, () => scriptRemote('-', {}, { [key]: value } as never));
      }
      documented(`scriptRemote('-', {}, { close: { code: ${shown} } })`, () => scriptRemote('-', {}, { close: { code: value } } as never));
      documented(`scriptConnections(${shown})`, () => scriptConnections(value as never));
      documented(`createMemoryPair(${shown})`, () => (createMemoryPair as (v: unknown) => unknown)(value));
      documented(`createMemoryNetwork(${shown})`, () => (createMemoryNetwork as (v: unknown) => unknown)(value));
    }
    expect(() => scriptRemote('-|', {}, { close: { code: 999 } })).toThrow(RangeError);
    const network = createMemoryNetwork();
    fuzzObject('MemoryNetwork', network, { first: { listen: 1, connect: 'ws://memory:1/' } });
  });

  it('the error classes: constructible from any value, with a string message', () => {
    const classes = { WebSocketCloseError, WebSocketPeerError, DecodeError, RequestError, SendQueueOverflowError };
    for (const [name, ErrorClass] of Object.entries(classes)) {
      for (const [shown, value] of VALUES) {
        const made = documented(`new ${name}(${shown}, ${shown})`, () => new (ErrorClass as new (...a: unknown[]) => Error)(value, value));
        if (made !== undefined) expect(typeof (made as Error).message).toBe('string');
      }
    }
  });
});
