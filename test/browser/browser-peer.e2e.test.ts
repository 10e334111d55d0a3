// WebSocketPeer over the browser's own WebSocket, in headless Chromium: the page runs the
// browser build of the package (bundled like an app would) against a ws server in Node,
// and checks from inside the behaviour of Godot's web export (what the browser allows).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/ws-server.js';
import { useChromium } from '../helpers/chromium.js';
import { bundleForBrowser, type PageServer, servePage } from '../helpers/page-server.js';

/** The page harness, bundled against the build. */
let site: PageServer;
const rig = useChromium(async (built, later) => {
  const harness = await bundleForBrowser(built, join(__dirname, 'support', 'page-harness.ts'), { format: 'iife', globalName: 'harness' });
  site = await servePage({
    '/index.html': '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>rxpeer</title><script src="/harness.js"></script>',
    '/harness.js': harness,
  });
  later(() => site.close());
});

let page: Page;
let server: TestServer;
let warnings: string[];

/**
 * The server's behaviour is chosen by the path: /echo echoes, /hello greets with a text and
 * a binary message, /big sends 70000 bytes, /close closes with 4001 "bye" after the first
 * message, /sink only listens. The first offered subprotocol is selected.
 */
beforeEach(async () => {
  server = await startServer({
    ws: { handleProtocols: (protocols) => protocols.values().next().value ?? false },
    onConnection: (connection) => {
      const { ws } = connection;
      const path = connection.request.url ?? '/';
      if (path === '/hello') {
        ws.send('hello');
        ws.send(Uint8Array.of(1, 2, 3));
      } else if (path === '/big') {
        ws.send(new Uint8Array(70_000));
      }
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (path === '/echo' || path === '/hello') ws.send(data, { binary: isBinary });
        else if (path === '/close') ws.close(4001, 'bye');
      });
    },
  });
  page = await rig.browser.newPage();
  warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.goto(site.url);
});

afterEach(async () => {
  await page.close(); // the browser closes the page's sockets
  await server.close();
  expect(rig.browser.problems).toEqual([]);
});

const wsUrl = (path: string): string => server.url(path);

describe('WebSocketPeer in the browser', () => {
  it('shows what the browser delivered only in poll()', async () => {
    const seen = await page.evaluate(async (url) => {
      const { rxpeer, watchSockets, socketEvents, drain } = window.harness;
      const { WebSocketPeer, State, ErrorCode } = rxpeer;
      watchSockets();
      const peer = new WebSocketPeer();
      const connected = peer.connectToUrl(url);
      const afterConnect = State[peer.getReadyState()];
      // The browser has opened the socket and delivered both messages; nothing polled yet.
      await socketEvents('message', 2);
      const beforePoll = { state: State[peer.getReadyState()], count: peer.getAvailablePacketCount() };
      peer.poll();
      const afterPoll = { state: State[peer.getReadyState()], count: peer.getAvailablePacketCount() };
      const packets = drain(peer);
      peer.close(-1);
      return { connected: ErrorCode[connected], afterConnect, beforePoll, afterPoll, packets };
    }, wsUrl('/hello'));
    expect(seen).toEqual({
      connected: 'OK',
      afterConnect: 'CONNECTING',
      beforePoll: { state: 'CONNECTING', count: 0 },
      afterPoll: { state: 'OPEN', count: 2 },
      packets: [{ text: 'hello' }, { bytes: [1, 2, 3] }],
    });
  });

  it('sends and receives text, binary and empty messages', async () => {
    const seen = await page.evaluate(async (url) => {
      const { rxpeer, pollUntil, drain } = window.harness;
      const { WebSocketPeer, State, ErrorCode, WriteMode } = rxpeer;
      const peer = new WebSocketPeer();
      peer.connectToUrl(url);
      await pollUntil(peer, () => peer.getReadyState() === State.OPEN, 'OPEN');
      const results = [
        peer.sendText('héllo ✓'),
        peer.send(Uint8Array.of(0, 1, 254, 255)),
        peer.send(new TextEncoder().encode('as text'), WriteMode.TEXT),
        peer.putPacket(new Uint8Array(0)),
        peer.send(Uint8Array.of(0xff), WriteMode.TEXT), // not UTF-8
      ].map((error) => ErrorCode[error]);
      await pollUntil(peer, () => peer.getAvailablePacketCount() === 4, 'four echoes');
      const packets = drain(peer);
      peer.close(1000);
      await pollUntil(peer, () => peer.getReadyState() === State.CLOSED, 'CLOSED');
      return { results, packets, code: peer.getCloseCode() };
    }, wsUrl('/echo'));
    expect(seen).toEqual({
      results: ['OK', 'OK', 'OK', 'OK', 'ERR_INVALID_DATA'],
      packets: [{ text: 'héllo ✓' }, { bytes: [0, 1, 254, 255] }, { text: 'as text' }, { bytes: [] }],
      code: 1000,
    });
    const connection = await server.connection();
    const received = await connection.received(4);
    expect(received.map((m) => [m.isBinary, [...m.data]])).toEqual([
      [false, [...Buffer.from('héllo ✓')]],
      [true, [0, 1, 254, 255]],
      [false, [...Buffer.from('as text')]],
      [true, []],
    ]);
    expect(await connection.waitClosed()).toEqual({ code: 1000, reason: '' });
  });

  it('closes with the codes a browser accepts (1000, 3000–4999) and refuses the others', async () => {
    const seen = await page.evaluate(async (url) => {
      const { rxpeer, pollUntil } = window.harness;
      const { WebSocketPeer, State, ErrorCode } = rxpeer;
      const open = async (): Promise<InstanceType<typeof WebSocketPeer>> => {
        const peer = new WebSocketPeer();
        peer.connectToUrl(url);
        await pollUntil(peer, () => peer.getReadyState() === State.OPEN, 'OPEN');
        return peer;
      };
      // No frame goes out while CONNECTING: any sendable code just aborts.
      const connecting = new WebSocketPeer();
      connecting.connectToUrl(`${url}?aborted`);
      const abort = [ErrorCode[connecting.close(1001)], State[connecting.getReadyState()], connecting.getCloseCode()];
      const peer = await open();
      // Sendable in Node, but not by a page: refused, and nothing changes.
      const refused = [1001, 1002, 1003, 1008, 1011, 2999, 5000].map((code) => ErrorCode[peer.close(code, 'no')]);
      const longReason = ErrorCode[peer.close(1000, 'é'.repeat(62))]; // 124 bytes
      const stillOpen = State[peer.getReadyState()];
      const closes = [];
      for (const [target, code, reason] of [[peer, 4000, 'done'], [await open(), 1000, 'é'.repeat(61) + 'a'], [await open(), 3000, ''], [await open(), 4999, 'last']] as const) {
        const result = ErrorCode[target.close(code, reason)];
        const closing = State[target.getReadyState()];
        await pollUntil(target, () => target.getReadyState() === State.CLOSED, 'CLOSED');
        closes.push({ result, closing, code: target.getCloseCode(), reason: target.getCloseReason() });
      }
      return { abort, refused, longReason, stillOpen, closes };
    }, wsUrl('/echo'));
    expect(seen.abort).toEqual(['OK', 'CLOSED', -1]);
    expect(seen.refused).toEqual(Array(7).fill('ERR_INVALID_PARAMETER'));
    expect(seen.longReason).toBe('ERR_INVALID_PARAMETER');
    expect(seen.stillOpen).toBe('OPEN');
    expect(seen.closes).toEqual([
      { result: 'OK', closing: 'CLOSING', code: 4000, reason: 'done' },
      { result: 'OK', closing: 'CLOSING', code: 1000, reason: 'é'.repeat(61) + 'a' },
      { result: 'OK', closing: 'CLOSING', code: 3000, reason: '' },
      { result: 'OK', closing: 'CLOSING', code: 4999, reason: 'last' },
    ]);
    // The aborted connection may or may not have reached the server; leave it out.
    const closed: Promise<{ code: number; reason: string }>[] = [];
    for (let i = 0; closed.length < 4 && i < 5; i++) {
      const connection = await server.connection(i);
      if (connection.request.url === '/echo') closed.push(connection.waitClosed());
    }
    const atServer = await Promise.all(closed);
    expect(atServer).toEqual([
      { code: 4000, reason: 'done' },
      { code: 1000, reason: 'é'.repeat(61) + 'a' },
      { code: 3000, reason: '' },
      { code: 4999, reason: 'last' },
    ]);
  });

  it('shows a close started by the server as OPEN → CLOSING → CLOSED, through fromPeer', async () => {
    const seen = await page.evaluate(async (url) => {
      const { rxpeer } = window.harness;
      const { WebSocketPeer, State, fromPeer } = rxpeer;
      const peer = new WebSocketPeer();
      peer.connectToUrl(url);
      const socket = fromPeer(peer);
      const states: string[] = [];
      socket.state$.subscribe((state) => {
        states.push(State[state]);
        if (state === State.OPEN) socket.send('close please');
      });
      const close = await new Promise((resolve) => socket.close$.subscribe(resolve));
      return { states, close };
    }, wsUrl('/close'));
    expect(seen).toEqual({ states: ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'], close: { code: 4001, reason: 'bye', wasClean: true } });
    expect(await (await server.connection()).waitClosed()).toEqual({ code: 4001, reason: 'bye' });
  });

  it('refuses acceptStream with ERR_UNAVAILABLE and has no TCP details', async () => {
    const seen = await page.evaluate(async (url) => {
      const { rxpeer, pollUntil } = window.harness;
      const { WebSocketPeer, State, ErrorCode } = rxpeer;
      const peer = new WebSocketPeer();
      const accepted = [ErrorCode[peer.acceptStream({})], ErrorCode[peer.acceptStream(null)]];
      peer.connectToUrl(url);
      await pollUntil(peer, () => peer.getReadyState() === State.OPEN, 'OPEN');
      peer.setNoDelay(false); // a no-op, as in Godot's web export
      const details = { host: peer.getConnectedHost(), port: peer.getConnectedPort(), url: peer.getRequestedUrl() };
      const whileOpen = ErrorCode[peer.acceptStream({})];
      peer.close(-1);
      return { accepted, details, whileOpen, afterAbort: { state: State[peer.getReadyState()], code: peer.getCloseCode() } };
    }, wsUrl('/echo'));
    expect(seen).toEqual({
      accepted: ['ERR_UNAVAILABLE', 'ERR_UNAVAILABLE'],
      details: { host: '', port: 0, url: wsUrl('/echo') },
      whileOpen: 'ERR_ALREADY_IN_USE',
      afterAbort: { state: 'CLOSED', code: -1 },
    });
    // A page cannot drop a connection without a close frame; the server sees one without a code.
    expect(await (await server.connection()).waitClosed()).toEqual({ code: 1005, reason: '' });
  });

  it("reports the WebSocket's bufferedAmount and applies outboundBufferSize to it", async () => {
    const seen = await page.evaluate(async (url) => {
      const { rxpeer, pollUntil, watchSockets, sockets } = window.harness;
      const { WebSocketPeer, State, ErrorCode } = rxpeer;
      watchSockets();
      const limited = new WebSocketPeer(); // outboundBufferSize 65535
      limited.connectToUrl(url);
      const beforeOpen = limited.getCurrentOutboundBufferedAmount();
      await pollUntil(limited, () => limited.getReadyState() === State.OPEN, 'OPEN');
      // bufferedAmount grows at send() and shrinks only in a later task, so this is exact.
      const first = ErrorCode[limited.send(new Uint8Array(60_000))];
      const queued = limited.getCurrentOutboundBufferedAmount();
      const second = ErrorCode[limited.send(new Uint8Array(10_000))];
      await pollUntil(limited, () => limited.getCurrentOutboundBufferedAmount() === 0, 'the buffer to drain');
      const third = ErrorCode[limited.send(new Uint8Array(10_000))];

      const unlimited = new WebSocketPeer();
      unlimited.outboundBufferSize = 0;
      unlimited.connectToUrl(url);
      await pollUntil(unlimited, () => unlimited.getReadyState() === State.OPEN, 'OPEN');
      const big = ErrorCode[unlimited.send(new Uint8Array(8 * 1024 * 1024))];
      const amount = unlimited.getCurrentOutboundBufferedAmount();
      const native = sockets.at(-1)!.socket.bufferedAmount;
      await pollUntil(unlimited, () => unlimited.getCurrentOutboundBufferedAmount() === 0, 'the 8 MiB to drain', 20_000);
      limited.close(-1);
      unlimited.close(-1);
      return { beforeOpen, first, queued, second, third, big, amount, native };
    }, wsUrl('/sink'));
    expect(seen).toMatchObject({ beforeOpen: 0, first: 'OK', second: 'ERR_OUT_OF_MEMORY', third: 'OK', big: 'OK' });
    expect(seen.queued).toBeGreaterThanOrEqual(60_000);
    expect(seen.amount).toBeGreaterThan(0);
    expect(seen.amount).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(seen.amount).toBe(seen.native);
  }, 40_000);

  it('closes with 1009 "Message too big" when a message exceeds inboundBufferSize', async () => {
    const seen = await page.evaluate(async (url) => {
      const { rxpeer, pollUntil } = window.harness;
      const { WebSocketPeer, State } = rxpeer;
      const strict = new WebSocketPeer(); // inboundBufferSize 65535 < 70000
      strict.connectToUrl(url);
      await pollUntil(strict, () => strict.getReadyState() === State.CLOSED, 'CLOSED');
      const roomy = new WebSocketPeer();
      roomy.inboundBufferSize = 70_000;
      roomy.connectToUrl(url);
      await pollUntil(roomy, () => roomy.getAvailablePacketCount() === 1, 'the big message');
      const size = roomy.getPacket().byteLength;
      roomy.close();
      await pollUntil(roomy, () => roomy.getReadyState() === State.CLOSED, 'CLOSED');
      return { code: strict.getCloseCode(), reason: strict.getCloseReason(), packets: strict.getAvailablePacketCount(), size };
    }, wsUrl('/big'));
    expect(seen).toEqual({ code: 1009, reason: 'Message too big', packets: 0, size: 70_000 });
    // A page may not send 1009: on the wire it is 1000 with the reason.
    expect(await (await server.connection(0)).waitClosed()).toEqual({ code: 1000, reason: 'Message too big' });
  });

  it('ignores handshake headers with one warning, negotiates subprotocols and ignores TLS options', async () => {
    const seen = await page.evaluate(async (url) => {
      const { rxpeer, pollUntil } = window.harness;
      const { WebSocketPeer, State, ErrorCode, TLSOptions } = rxpeer;
      const results = [];
      for (let i = 0; i < 2; i++) {
        const peer = new WebSocketPeer();
        peer.handshakeHeaders = ['X-Rxpeer-Test: yes'];
        peer.supportedProtocols = ['demo-chat', 'other'];
        const connected = ErrorCode[peer.connectToUrl(url, TLSOptions.clientUnsafe())];
        await pollUntil(peer, () => peer.getReadyState() === State.OPEN, 'OPEN');
        results.push({ connected, protocol: peer.getSelectedProtocol() });
        peer.close();
        await pollUntil(peer, () => peer.getReadyState() === State.CLOSED, 'CLOSED');
      }
      const serverOptions = ErrorCode[new WebSocketPeer().connectToUrl(url, TLSOptions.server('key', 'cert'))];
      return { results, serverOptions };
    }, wsUrl('/echo'));
    expect(seen).toEqual({
      results: [
        { connected: 'OK', protocol: 'demo-chat' },
        { connected: 'OK', protocol: 'demo-chat' },
      ],
      serverOptions: 'ERR_INVALID_PARAMETER',
    });
    expect(warnings.filter((w) => w.includes('handshakeHeaders'))).toHaveLength(1);
    const requests = await Promise.all([0, 1].map(async (i) => (await server.connection(i)).request.headers));
    expect(requests.map((headers) => headers['x-rxpeer-test'])).toEqual([undefined, undefined]);
  });

  it('keeps a connection with heartbeatInterval open: browsers cannot ping', async () => {
    const seen = await page.evaluate(async (url) => {
      const { rxpeer, pollUntil } = window.harness;
      const { WebSocketPeer, State } = rxpeer;
      const peer = new WebSocketPeer();
      peer.heartbeatInterval = 0.05;
      peer.connectToUrl(url);
      await pollUntil(peer, () => peer.getReadyState() === State.OPEN, 'OPEN');
      // Several intervals without a pong would close a peer that had pinged.
      const until = performance.now() + 300;
      await pollUntil(peer, () => performance.now() > until || peer.getReadyState() !== State.OPEN, '300 ms');
      const state = State[peer.getReadyState()];
      peer.close();
      return state;
    }, wsUrl('/echo'));
    expect(seen).toBe('OPEN');
    expect((await server.connection()).pings).toBe(0);
  });

  it('ends a refused connection CLOSED with -1, and connect() errors with WebSocketCloseError', async () => {
    const refusedUrl = wsUrl('/');
    await server.close(); // nothing listens on that port any more
    const seen = await page.evaluate(async (url) => {
      const { rxpeer, pollUntil } = window.harness;
      const { WebSocketPeer, State, connect, WebSocketCloseError } = rxpeer;
      const peer = new WebSocketPeer();
      peer.connectToUrl(url);
      await pollUntil(peer, () => peer.getReadyState() === State.CLOSED, 'CLOSED');
      const error = await new Promise<unknown>((resolve) => connect(url).subscribe({ error: resolve }));
      return {
        code: peer.getCloseCode(),
        isCloseError: error instanceof WebSocketCloseError,
        close: error instanceof WebSocketCloseError ? { code: error.code, wasClean: error.wasClean } : String(error),
      };
    }, refusedUrl);
    expect(seen).toEqual({ code: -1, isCloseError: true, close: { code: -1, wasClean: false } });
    // Chromium logs each refused WebSocket on the console; those two are expected.
    const refusedLogs = rig.browser.problems.filter((p) => /WebSocket connection to .* failed/.test(p));
    expect(refusedLogs).toHaveLength(2);
    rig.browser.problems.splice(0, Infinity, ...rig.browser.problems.filter((p) => !refusedLogs.includes(p)));
  });
});
