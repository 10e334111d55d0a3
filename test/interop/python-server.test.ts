// rxpeer's clients (WebSocketPeer, the Godot 3-style WebSocketClient, connect()) against a
// Python websockets 10.4 server (Debian's python3-websockets, test/interop/python/server.py),
// one process for the file. The server accepts the subprotocol "chat", offers
// permessage-deflate (websockets' default), echoes every message as the same kind of frame
// and obeys "!close" / "!send". It counts the bytes on the wire, so compression is checked
// where it happens.
import { ErrorCode } from 'rxpeer';
import {
  type Foreign,
  type ForeignEvent,
  interop,
  pattern,
  payload,
  requirePython,
  type Session,
  startPythonServer,
  until,
} from './harness';
import { CLIENT_KINDS, type ClientKind, type ClientOptions, clientOfShared, type RxConn } from './rx';

let shared: { server: Foreign; port: number } | undefined;

beforeAll(async () => {
  requirePython(); // a missing python3-websockets fails every test here, saying how to install it
  shared = await startPythonServer('Python server', ['--protocols', 'chat']);
}, 30_000);

afterAll(async () => {
  await shared?.server.stop();
});

async function clientOf(
  t: Session,
  kind: ClientKind,
  options: ClientOptions & { path?: string } = {},
): Promise<{ conn: RxConn; python: { saw(): string[]; connected: ForeignEvent; disconnected(): Promise<ForeignEvent> } }> {
  const { server } = shared!;
  const { conn, view, connected } = await clientOfShared(t, kind, shared!, options);
  const disconnected = (): Promise<ForeignEvent> =>
    server.waitFor((e) => e.event === 'disconnected' && e.id === connected.id, `client ${String(connected.id)} to be disconnected`);
  return { conn, python: { saw: () => view.saw(), connected, disconnected } };
}

describe.each(CLIENT_KINDS)('rxpeer %s → Python websockets server', (kind) => {
  interop('text, binary and empty messages, a subprotocol, and permessage-deflate negotiated', async (t) => {
    const { conn, python } = await clientOf(t, kind, { protocols: ['superchat', 'chat'], path: '/game?room=1' });
    for (const message of ['héllo wörld ✓', new Uint8Array([0, 1, 2, 254, 255]), '', new Uint8Array(0), 'end']) {
      expect(conn.send(message)).toBe(ErrorCode.OK);
    }
    await conn.waitFor('text "end"');
    // Python's report comes through its stdout, which may lag behind the echoes.
    await until(() => python.saw().length >= 6, 'Python to report the five messages');

    const exchanged = ['text "héllo wörld ✓"', 'binary 5 B 00 01 02 fe ff', 'text ""', 'binary 0 B', 'text "end"'];
    expect(python.saw()).toEqual(['open "chat" ext=[permessage-deflate]', ...exchanged]);
    expect(conn.saw()).toEqual(['open "chat"', ...exchanged]);
    // What rxpeer's client (ws underneath) asked for: no Origin, deflate offered.
    expect(python.connected.path).toBe('/game?room=1');
    expect(python.connected.request_headers).toEqual({
      origin: null,
      'sec-websocket-protocol': 'superchat,chat',
      'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
      'user-agent': null,
    });
  });

  interop('rxpeer closes with 4001 and a reason: Python hears it and answers with the same', async (t) => {
    const { conn, python } = await clientOf(t, kind, { protocols: ['chat'] });
    expect(conn.close(4001, 'client bye ✓')).toBe(ErrorCode.OK);
    await conn.waitClosed();
    await python.disconnected();

    expect(python.saw()).toEqual(['open "chat" ext=[permessage-deflate]', 'closed rcvd=4001 "client bye ✓" sent=4001 "client bye ✓"']);
    expect(conn.saw()).toEqual(['open "chat"', 'closed 4001 "client bye ✓" clean=true']);
  });

  interop('Python closes with 4002 and a reason: rxpeer hears it and answers with the same', async (t) => {
    const { conn, python } = await clientOf(t, kind, { protocols: ['chat'] });
    expect(conn.send('!close 4002 server bye ✓')).toBe(ErrorCode.OK);
    await conn.waitClosed();
    await python.disconnected();

    expect(python.saw()).toEqual([
      'open "chat" ext=[permessage-deflate]',
      'text "!close 4002 server bye ✓"',
      'closed rcvd=4002 "server bye ✓" sent=4002 "server bye ✓"',
    ]);
    expect(conn.saw()).toEqual([
      'open "chat"',
      ...(kind === 'WebSocketClient' ? ['close-request 4002 "server bye ✓"'] : []),
      'closed 4002 "server bye ✓" clean=true',
    ]);
  });

  interop('a server that selects no subprotocol when the client asked for one fails the handshake on rxpeer\'s side', async (t) => {
    // websockets answers 101 without Sec-WebSocket-Protocol when nothing matches; Godot's rule
    // (as its WebSocketPeer behaves) is that a client that asked for some must get exactly one of them.
    const { conn, python } = await clientOf(t, kind, { protocols: ['superchat'] });
    await conn.waitClosed();
    await python.disconnected();

    expect(conn.saw()).toEqual([kind === 'WebSocketClient' ? 'connection-error' : 'connection-error (closed -1)']);
    expect(python.saw()).toEqual(['open "" ext=[permessage-deflate]', 'closed rcvd=none sent=none']);
  });
});

describe('rxpeer → Python websockets server: permessage-deflate and sizes', () => {
  const text = (size: number): string => payload(pattern(size, true), true);
  const binary = (size: number): string => payload(pattern(size, false), false);
  const large = (peer: { inboundBufferSize: number; outboundBufferSize: number }): void => {
    peer.inboundBufferSize = 1 << 20;
    peer.outboundBufferSize = 1 << 20;
  };

  interop('a large compressible message both ways: 500 000 bytes, a few KiB on the wire', async (t) => {
    const { conn, python } = await clientOf(t, 'WebSocketPeer', { protocols: ['chat'], configure: large });
    expect(conn.send(new TextDecoder().decode(pattern(500_000, true)))).toBe(ErrorCode.OK);
    expect(conn.send('!send binary 500000')).toBe(ErrorCode.OK);
    await conn.waitFor((lines) => lines.length === 3, 'the echo and the binary message');
    const isBigSend = (e: ForeignEvent): boolean => e.event === 'sent' && e.id === python.connected.id && e.size === 500_000;
    await shared!.server.waitFor((e) => isBigSend(e) && e.string === false, 'Python to finish sending'); // it reports after the write

    expect(python.saw()).toEqual(['open "chat" ext=[permessage-deflate]', text(500_000), 'text "!send binary 500000"']);
    expect(conn.saw()).toEqual(['open "chat"', text(500_000), binary(500_000)]);
    // Python counts raw bytes: everything it read up to the big message (handshake included),
    // and what each of its two big sends put on the wire, are a small fraction of 500 000.
    const [received] = shared!.server.since((e) => e.event === 'data' && e.id === python.connected.id && e.size === 500_000);
    const sent = shared!.server.since(isBigSend);
    expect(received!.wire_in).toBeLessThan(20_000);
    expect(sent.map((e) => e.wire as number)).toEqual([expect.any(Number), expect.any(Number)]);
    for (const e of sent) expect(e.wire).toBeLessThan(20_000);
  });

  interop('inboundBufferSize counts decompressed bytes: 65536 compressible bytes still get 1009', async (t) => {
    const { conn, python } = await clientOf(t, 'WebSocketPeer', { protocols: ['chat'] });
    expect(conn.send('!send text 65535')).toBe(ErrorCode.OK);
    await conn.waitFor(text(65535));
    expect(conn.send('!send text 65536')).toBe(ErrorCode.OK);
    await conn.waitClosed();
    await python.disconnected();

    expect(conn.saw()).toEqual(['open "chat"', text(65535), 'closed 1009 "Message too big" clean=true']);
    const sent = await shared!.server.waitFor((e) => e.event === 'sent' && e.id === python.connected.id && e.size === 65536, 'the send');
    expect(sent.wire).toBeLessThan(2_000); // compressed on the wire, 65536 bytes once inflated
    expect(python.saw()).toEqual([
      'open "chat" ext=[permessage-deflate]',
      'text "!send text 65535"',
      'text "!send text 65536"',
      'closed rcvd=1009 "Message too big" sent=1009 "Message too big"',
    ]);
  });
});
