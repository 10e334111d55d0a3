// WebSocketSubject with RxJS 7.8's behaviour, case by case, against a mock WebSocket class
// given as WebSocketCtor: what was sent, when the socket opened and closed, what the
// subscribers saw. websocket-subject.test.ts runs them on rxpeer, rxjs-reference.test.ts on
// RxJS 7.8 itself.
import { filter, map, Observable, ObjectUnsubscribedError, retry, repeat, Subject, take, type Subscription } from 'rxjs';
import { WebSocketSubject, type WebSocketSubjectConfig, type webSocket as WebSocketFactory } from 'rxpeer/rxjs-compat';
import { MockCtor, MockWebSocket } from './mock-web-socket.js';

const URL = 'ws://mock.invalid/socket';

/** A subscriber that writes down what it hears. */
function record<T>(source: Observable<T>): { log: unknown[]; subscription: Subscription } {
  const log: unknown[] = [];
  const subscription = source.subscribe({
    next: (value) => log.push(['next', value]),
    error: (error) => log.push(['error', error]),
    complete: () => log.push(['complete']),
  });
  return { log, subscription };
}

/**
 * The cases, for `webSocket` from rxpeer/rxjs-compat or, to check that they describe RxJS
 * 7.8 itself, from rxjs/webSocket. Where rxpeer deliberately differs (the README's
 * migration table), `rxpeer` picks the expectation.
 */
export function describeWebSocketSubject(implementation: 'rxpeer' | 'rxjs', webSocket: typeof WebSocketFactory): void {
const rxpeer = implementation === 'rxpeer';
/** A case of rxpeer's alone: RxJS behaves otherwise there (see the comment at each). */
const onlyRxpeer = (name: string, fn: () => void): void => {
  if (rxpeer) it(name, fn);
};
function subject<T = unknown>(config: Partial<WebSocketSubjectConfig<T>> = {}): WebSocketSubject<T> {
  return webSocket<T>({ url: URL, WebSocketCtor: MockCtor, ...config });
}

beforeEach(() => MockWebSocket.reset());



describe('the socket', () => {
  it('opens on the first subscription, not before, and is shared by every subscriber', () => {
    const ws = subject();
    expect(MockWebSocket.sockets).toHaveLength(0);
    const a = record(ws);
    const b = record(ws);
    expect(MockWebSocket.sockets).toHaveLength(1);
    const socket = MockWebSocket.last;
    expect(socket.url).toBe(URL);
    expect(socket.protocolArgs).toEqual([]); // new WebSocketCtor(url), no second argument
    socket.open();
    socket.receiveJson({ n: 1 });
    expect(a.log).toEqual([['next', { n: 1 }]]);
    expect(b.log).toEqual([['next', { n: 1 }]]);
    a.subscription.unsubscribe();
    b.subscription.unsubscribe();
  });

  it('takes a URL string as well as a config', () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = undefined; // not looked at when a ctor is given
    const ws = new WebSocketSubject<string>({ url: URL, WebSocketCtor: MockCtor });
    ws.subscribe();
    expect(MockWebSocket.last.url).toBe(URL);
    ws.unsubscribe();
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
  });

  it('passes protocol as given: a string, or an array', () => {
    subject({ protocol: 'chat.v1' }).subscribe().unsubscribe();
    expect(MockWebSocket.last.protocolArgs).toEqual(['chat.v1']);
    subject({ protocol: ['chat.v2', 'chat.v1'] }).subscribe().unsubscribe();
    expect(MockWebSocket.last.protocolArgs).toEqual([['chat.v2', 'chat.v1']]);
  });

  it('sets binaryType on the socket when configured, and leaves it alone when not', () => {
    subject({ binaryType: 'arraybuffer' }).subscribe().unsubscribe();
    expect(MockWebSocket.last.binaryType).toBe('arraybuffer');
    subject().subscribe().unsubscribe();
    expect(MockWebSocket.last.binaryType).toBe('blob');
  });

  it('errors the subscriber with what the constructor throws, and tries again on the next subscription', () => {
    let calls = 0;
    const Refusing = function () {
      calls++;
      throw new SyntaxError('bad url');
    } as unknown as WebSocketSubjectConfig<unknown>['WebSocketCtor'];
    const ws = webSocket({ url: 'nope', WebSocketCtor: Refusing });
    const first = record(ws);
    expect(first.log).toEqual([['error', new SyntaxError('bad url')]]);
    const second = record(ws);
    expect(second.log).toEqual([['error', new SyntaxError('bad url')]]);
    expect(calls).toBe(2);
  });
});

describe('next()', () => {
  it('waits until the socket is open, then sends in order, serialized as JSON', () => {
    const ws = subject();
    ws.next({ before: 'subscribe' });
    ws.subscribe();
    ws.next({ before: 'open' });
    const socket = MockWebSocket.last;
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(socket.sent).toEqual(['{"before":"subscribe"}', '{"before":"open"}']);
    ws.next(['now']);
    expect(socket.sent.at(-1)).toBe('["now"]');
    ws.unsubscribe();
  });

  it('uses the serializer, whose result is sent as is', () => {
    const ws = subject<number>({ serializer: (n) => new Uint8Array([n]) });
    ws.subscribe();
    MockWebSocket.last.open();
    ws.next(7);
    expect(MockWebSocket.last.sent).toEqual([new Uint8Array([7])]);
    ws.unsubscribe();
  });

  it('sends nothing while the socket is closing', () => {
    const ws = subject();
    ws.subscribe();
    const socket = MockWebSocket.last;
    socket.open();
    socket.readyState = MockWebSocket.CLOSING; // the server's close frame arrived
    ws.next('late');
    expect(socket.sent).toEqual([]);
    ws.unsubscribe();
  });
});

describe('messages', () => {
  it('are deserialized with JSON.parse(e.data) by default, or the deserializer given', () => {
    const plain = subject();
    const a = record(plain);
    MockWebSocket.last.open();
    MockWebSocket.last.receive('{"a":[1,2]}');
    expect(a.log).toEqual([['next', { a: [1, 2] }]]);
    a.subscription.unsubscribe();

    const custom = subject<string>({ deserializer: (e) => `${e.data as string}!` });
    const b = record(custom);
    MockWebSocket.last.open();
    MockWebSocket.last.receive('ahoy');
    expect(b.log).toEqual([['next', 'ahoy!']]);
    b.subscription.unsubscribe();
  });

  it('ignore resultSelector, as RxJS 7 does (rxpeer says so once)', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const ws = subject<string>({ resultSelector: () => 'selected' });
      const seen = record(ws);
      MockWebSocket.last.open();
      MockWebSocket.last.receive('"parsed"');
      expect(seen.log).toEqual([['next', 'parsed']]);
      if (rxpeer) expect(warn.mock.calls.flat().join(' ')).toMatch(/resultSelector is ignored/);
      ws.unsubscribe();
    } finally {
      warn.mockRestore();
    }
  });

  it('a deserializer exception errors the subscribers with it and closes the socket', () => {
    const ws = subject({
      deserializer: () => {
        throw new RangeError('bad message');
      },
    });
    const seen = record(ws);
    const socket = MockWebSocket.last;
    socket.open();
    socket.receive('x');
    expect(seen.log).toEqual([['error', new RangeError('bad message')]]);
    expect(socket.closes).toEqual([{}]);
  });
});

describe('complete() and error()', () => {
  it('complete() tells closingObserver and closes the socket; subscribers complete on the clean close', () => {
    const closing: unknown[] = [];
    const closes: CloseEvent[] = [];
    const ws = subject({ closingObserver: { next: (x) => closing.push(x) }, closeObserver: { next: (e) => closes.push(e) } });
    const seen = record(ws);
    const socket = MockWebSocket.last;
    socket.open();
    ws.complete();
    expect(closing).toEqual([undefined]);
    expect(socket.closes).toEqual([{}]);
    expect(seen.log).toEqual([]);
    const event = socket.closed({ code: 1005, wasClean: true });
    expect(closes).toEqual([event]);
    expect(seen.log).toEqual([['complete']]);
  });

  it('error({ code, reason }) closes the socket with that code and reason', () => {
    const ws = subject();
    const seen = record(ws);
    const socket = MockWebSocket.last;
    socket.open();
    ws.error({ code: 4000, reason: 'bye' });
    expect(socket.closes).toEqual([{ code: 4000, reason: 'bye' }]);
    socket.closed({ code: 4000, reason: 'bye', wasClean: true });
    expect(seen.log).toEqual([['complete']]);
  });

  it('error() without a code errors the subscribers with a TypeError and closes the socket', () => {
    const ws = subject();
    const seen = record(ws);
    const socket = MockWebSocket.last;
    socket.open();
    ws.error(new Error('oops'));
    expect(seen.log).toHaveLength(1);
    expect(seen.log[0]).toEqual(['error', expect.any(TypeError)]);
    expect(String((seen.log[0] as [string, Error])[1].message)).toMatch(/\{ code: number, reason: string \}/);
    expect(socket.closes).toEqual([{}]);
  });

  // RxJS lets the exception escape as an unhandled error and leaves the socket open.
  onlyRxpeer('a code the socket refuses errors the subscribers with its exception, and the socket closes plainly', () => {
    const ws = subject();
    const seen = record(ws);
    const socket = MockWebSocket.last;
    socket.refuseCloseCode = (code) => code < 3000 && code !== 1000;
    socket.open();
    ws.error({ code: 1337 });
    expect(seen.log).toEqual([['error', expect.objectContaining({ name: 'InvalidAccessError' })]]);
    expect(socket.closes).toEqual([{}]);
  });

  it('before open they wait: on open the values go out first, then the close', () => {
    const ws = subject();
    ws.subscribe();
    ws.next('a');
    ws.error({ code: 4001, reason: 'done' });
    ws.next('ignored after error');
    ws.complete();
    const socket = MockWebSocket.last;
    expect(socket.closes).toEqual([]);
    socket.open();
    expect(socket.sent).toEqual(['"a"']);
    expect(socket.closes).toEqual([{ code: 4001, reason: 'done' }]);
  });

  it('a serializer exception errors the subscribers (rxpeer: with it), tells closingObserver and closes the socket', () => {
    const closing: unknown[] = [];
    const ws = subject<unknown>({
      closingObserver: { next: (x) => closing.push(x) },
      serializer: () => {
        throw new TypeError('cannot serialize');
      },
    });
    const seen = record(ws);
    const socket = MockWebSocket.last;
    socket.open();
    ws.next({});
    // RxJS hands it to error(), which finds no code and errors them with its TypeError.
    expect(seen.log).toEqual([['error', rxpeer ? new TypeError('cannot serialize') : expect.any(TypeError)]]);
    if (!rxpeer) expect(String((seen.log[0] as [string, Error])[1].message)).toMatch(/must be called with an object/);
    expect(closing).toEqual([undefined]);
    expect(socket.closes).toEqual([{}]);
    expect(socket.sent).toEqual([]);
  });
});

describe('unsubscribing and subscribing again', () => {
  it('the last subscriber leaving closes the socket; the others do not', () => {
    const ws = subject();
    const a = ws.subscribe();
    const b = ws.subscribe();
    const socket = MockWebSocket.last;
    socket.open();
    a.unsubscribe();
    expect(socket.closes).toEqual([]);
    b.unsubscribe();
    expect(socket.closes).toEqual([{}]);
  });

  it('leaving while connecting closes the socket too, and a late open closes it again', () => {
    const opened: unknown[] = [];
    const ws = subject({ openObserver: { next: (e) => opened.push(e) } });
    ws.subscribe().unsubscribe();
    const socket = MockWebSocket.last;
    expect(socket.closes).toEqual([{}]);
    socket.readyState = MockWebSocket.CONNECTING; // a socket that ignored close() while connecting
    socket.open();
    expect(opened).toEqual([]);
    expect(socket.closes).toEqual([{}, {}]);
  });

  it("a late 'error' from an abandoned socket leaves the new one alone (RxJS: the new one is lost)", () => {
    const ws = subject();
    ws.subscribe().unsubscribe();
    const abandoned = MockWebSocket.last;
    const seen = record(ws);
    ws.next('for the new socket');
    const current = MockWebSocket.last;
    abandoned.fail();
    current.open();
    // RxJS's error handler forgets the current socket; when it opens, it is closed unused.
    expect(current.sent).toEqual(rxpeer ? ['"for the new socket"'] : []);
    expect(current.closes).toEqual(rxpeer ? [] : [{}]);
    expect(seen.log).toEqual([]);
    ws.unsubscribe();
  });

  it('a subscription after a close opens a new socket, which sends what waited', () => {
    const ws = subject();
    ws.subscribe();
    const first = MockWebSocket.last;
    first.open();
    ws.complete();
    ws.next('for the next socket');
    const seen = record(ws);
    const second = MockWebSocket.last;
    expect(second).not.toBe(first);
    second.open();
    expect(second.sent).toEqual(['"for the next socket"']);
    // The first socket's close reaches only its own subscribers.
    first.closed({ wasClean: true });
    expect(seen.log).toEqual([]);
    seen.subscription.unsubscribe();
  });

  it('after error({ code }) too', () => {
    const ws = subject();
    ws.subscribe();
    MockWebSocket.last.open();
    ws.error({ code: 4002 });
    ws.subscribe();
    expect(MockWebSocket.sockets).toHaveLength(2);
    ws.unsubscribe();
  });

  it('unsubscribe() closes the socket and closes the subject, as a Subject', () => {
    const ws = subject();
    const seen = record(ws);
    const socket = MockWebSocket.last;
    socket.open();
    ws.unsubscribe();
    expect(socket.closes).toEqual([{}]);
    expect(ws.closed).toBe(true);
    expect(seen.log).toEqual([]);
    expect(() => ws.subscribe()).toThrow(ObjectUnsubscribedError);
    ws.next('still waits for a socket'); // as RxJS: no throw
  });
});

describe('closes from the other side', () => {
  it('a clean close completes the subscribers; closeObserver hears the CloseEvent', () => {
    const closes: CloseEvent[] = [];
    const ws = subject({ closeObserver: { next: (e) => closes.push(e) } });
    const seen = record(ws);
    MockWebSocket.last.open();
    const event = MockWebSocket.last.closed({ code: 4001, reason: 'bye', wasClean: true });
    expect(closes).toEqual([event]);
    expect(seen.log).toEqual([['complete']]);
  });

  it('an unclean close errors the subscribers with the CloseEvent', () => {
    const ws = subject();
    const seen = record(ws);
    MockWebSocket.last.open();
    const event = MockWebSocket.last.closed({ wasClean: false });
    expect(seen.log).toEqual([['error', event]]);
    expect(event.code).toBe(1006);
  });

  it("a failed connection errors them with the 'error' event; closeObserver still hears the close", () => {
    const closes: CloseEvent[] = [];
    const ws = subject({ closeObserver: { next: (e) => closes.push(e) } });
    const seen = record(ws);
    const event = MockWebSocket.last.fail();
    expect(seen.log).toEqual([['error', event]]);
    expect(closes.map((e) => [e.code, e.wasClean])).toEqual([[1006, false]]);
  });
});

describe('openObserver', () => {
  it('hears the open event before what waited is sent; what it sends goes after', () => {
    const ws = subject<string>();
    const events: Event[] = [];
    const config = { url: URL, WebSocketCtor: MockCtor, openObserver: { next: (e: Event) => (events.push(e), ws2.next('from openObserver')) } };
    const ws2 = webSocket<string>(config);
    ws2.next('waiting');
    ws2.subscribe();
    const socket = MockWebSocket.last;
    socket.open();
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('open');
    expect(socket.sent).toEqual(['"waiting"', '"from openObserver"']);
    ws.unsubscribe();
    ws2.unsubscribe();
  });
});

describe('as a Subject', () => {
  it('is a Subject: pipe() keeps it one, whose next() sends on the same socket', () => {
    const ws = subject<number>();
    expect(ws).toBeInstanceOf(Subject);
    const doubled = ws.pipe(map((n) => n * 2));
    expect(doubled).toBeInstanceOf(Subject);
    const seen = record(doubled);
    const socket = MockWebSocket.last;
    socket.open();
    socket.receiveJson(21);
    expect(seen.log).toEqual([['next', 42]]);
    (doubled as WebSocketSubject<number>).next(1);
    // RxJS's piped subject forwards to the buffer of the moment pipe() ran, which the open socket no longer reads.
    expect(socket.sent).toEqual(rxpeer ? ['1'] : []);
    seen.subscription.unsubscribe();
    expect(socket.closes).toEqual([{}]);
  });

  it('asObservable() hides next() and shares the socket', () => {
    const ws = subject<string>();
    const observable = ws.asObservable();
    expect('next' in observable).toBe(false);
    const a = record(observable);
    const b = record(ws);
    expect(MockWebSocket.sockets).toHaveLength(1);
    MockWebSocket.last.open();
    MockWebSocket.last.receiveJson('x');
    expect(a.log).toEqual([['next', 'x']]);
    expect(b.log).toEqual([['next', 'x']]);
    ws.unsubscribe();
  });

  onlyRxpeer('pipe() gives a WebSocketSubject of the same class', () => {
    expect(subject<number>().pipe(map((n) => n * 2))).toBeInstanceOf(WebSocketSubject);
  });

  onlyRxpeer('the Observable + Observer form forwards next() and subscribes to the source', () => {
    const sent: string[] = [];
    const forwarding = new WebSocketSubject<string>(new Observable<string>((s) => s.next('from source')), { next: (v) => sent.push(v), error: () => {}, complete: () => {} });
    const seen = record(forwarding);
    forwarding.next('out');
    expect(seen.log).toEqual([['next', 'from source']]);
    expect(sent).toEqual(['out']);
  });
});

describe('multiplex()', () => {
  const topic = (ws: WebSocketSubject<{ topic: string; value?: number }>, name: string) =>
    ws.multiplex(
      () => ({ sub: name }),
      () => ({ unsub: name }),
      (message) => message.topic === name,
    );

  it('sends subMsg, lets through what the filter accepts, sends unsubMsg and closes when the last leaves', () => {
    const ws = subject<{ topic: string; value?: number }>();
    const a = record(topic(ws, 'a').pipe(map((m) => m.value)));
    const b = record(topic(ws, 'b').pipe(map((m) => m.value)));
    const socket = MockWebSocket.last;
    expect(MockWebSocket.sockets).toHaveLength(1);
    socket.open();
    expect(socket.sentJson).toEqual([{ sub: 'a' }, { sub: 'b' }]);
    socket.receiveJson({ topic: 'a', value: 1 });
    socket.receiveJson({ topic: 'b', value: 2 });
    socket.receiveJson({ topic: 'c', value: 3 });
    expect(a.log).toEqual([['next', 1]]);
    expect(b.log).toEqual([['next', 2]]);
    a.subscription.unsubscribe();
    expect(socket.sentJson.at(-1)).toEqual({ unsub: 'a' });
    expect(socket.closes).toEqual([]);
    b.subscription.unsubscribe();
    expect(socket.sentJson.at(-1)).toEqual({ unsub: 'b' });
    expect(socket.closes).toEqual([{}]);
  });

  it('errors the subscriber when subMsg, unsubMsg or the filter throws', () => {
    const ws = subject<{ topic: string }>();
    const boom = new Error('boom');
    const bySub = record(ws.multiplex(() => { throw boom; }, () => 'u', () => true));
    expect(bySub.log).toEqual([['error', boom]]);
    // RxJS goes on to subscribe after the error, creating a socket it closes at once.
    expect(MockWebSocket.sockets).toHaveLength(rxpeer ? 0 : 1);
    const byFilter = record(ws.multiplex(() => 's', () => 'u', () => { throw boom; }));
    MockWebSocket.last.open();
    MockWebSocket.last.receiveJson({ topic: 'x' });
    expect(byFilter.log).toEqual([['error', boom]]);
    expect(MockWebSocket.last.sentJson).toEqual(['s', 'u']);
    if (!rxpeer) expect(MockWebSocket.sockets[0]!.closes).toEqual([{}]);
  });

  it('retry() after an unclean close opens a new socket and subscribes again', () => {
    const ws = subject<{ topic: string; value?: number }>();
    const seen = record(topic(ws, 'a').pipe(retry(1), map((m) => m.value), take(2)));
    const first = MockWebSocket.last;
    first.open();
    expect(first.sentJson).toEqual([{ sub: 'a' }]);
    first.closed({ wasClean: false });
    const second = MockWebSocket.last;
    expect(second).not.toBe(first);
    second.open();
    expect(second.sentJson.at(-1)).toEqual({ sub: 'a' });
    second.receiveJson({ topic: 'a', value: 1 });
    second.receiveJson({ topic: 'a', value: 2 });
    expect(seen.log).toEqual([['next', 1], ['next', 2], ['complete']]);
    expect(second.sentJson.at(-1)).toEqual({ unsub: 'a' });
    expect(second.closes).toEqual([{}]);
  });

  it('repeat() after a clean close does the same', () => {
    const ws = subject<{ topic: string; value?: number }>();
    const seen = record(topic(ws, 'a').pipe(repeat(2), filter((m) => m.value !== undefined), map((m) => m.value)));
    MockWebSocket.last.open();
    MockWebSocket.last.receiveJson({ topic: 'a', value: 1 });
    MockWebSocket.last.closed({ wasClean: true });
    const second = MockWebSocket.last;
    second.open();
    expect(second.sentJson).toEqual([{ sub: 'a' }]);
    second.receiveJson({ topic: 'a', value: 2 });
    second.closed({ wasClean: true });
    expect(seen.log).toEqual([['next', 1], ['next', 2], ['complete']]);
  });
});

// RxJS checks nothing: these fail later, or never.
if (rxpeer) describe('bad options', () => {
  it.each([
    [{ url: URL, protocols: ['x'] }, /unknown option "protocols" \(did you mean "protocol"\?\)/],
    [{ url: 42 }, /url must be a string, got 42/],
    [{ url: URL, serializer: 'json' }, /serializer must be a function/],
    [{ url: URL, openObserver: () => {} }, /openObserver must be an observer with a next\(\) method/],
    [{ url: URL, binaryType: 'nodebuffer' }, /binaryType must be 'blob' or 'arraybuffer', got "nodebuffer"/],
    [{ url: URL, protocol: [Symbol('p')] }, /protocol must be a string or an array of strings/],
    [null, /expected a URL string or a config object, got null/],
  ])('%p → TypeError', (config, message) => {
    expect(() => webSocket(config as unknown as string)).toThrow(TypeError);
    expect(() => webSocket(config as unknown as string)).toThrow(message);
  });

  it('undefined options mean their defaults', () => {
    const ws = webSocket<string>({ url: URL, WebSocketCtor: MockCtor, serializer: undefined, deserializer: undefined });
    const seen = record(ws);
    MockWebSocket.last.open();
    ws.next('x');
    MockWebSocket.last.receive('"y"');
    expect(MockWebSocket.last.sent).toEqual(['"x"']);
    expect(seen.log).toEqual([['next', 'y']]);
    ws.unsubscribe();
  });
});
}
