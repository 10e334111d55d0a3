// rxpeer's clients (WebSocketPeer, the Godot 3-style WebSocketClient, connect()) against a
// real Godot 3 server (Debian's godot3-server, 3.2.3, running the Godot 3 tutorial's minimal server,
// test/interop/godot/server.gd). One Godot process per configuration serves every test of
// the file; it echoes every message as the same kind of frame and obeys "!close" / "!send".
import { ErrorCode } from 'rxpeer';
import {
  connectionView,
  type Foreign,
  interop,
  nextConnection,
  pattern,
  payload,
  requireGodot,
  type Session,
  startGodotServer,
  until,
} from './harness';
import { CLIENT_KINDS, type ClientKind, type ClientOptions, clientOfShared, type RxConn, startClient } from './rx';
import { Tap, type Tapped } from './tap';

let chat: { server: Foreign; port: number } | undefined; // listen(port, ["chat", "other"])
let plain: { server: Foreign; port: number } | undefined; // listen(port): no subprotocols
let big: { server: Foreign; port: number } | undefined; // max_in_buffer_kb=1024 (project-1mib)

beforeAll(async () => {
  requireGodot(); // a missing godot3-server fails every test here, saying how to install it
  [chat, plain, big] = await Promise.all([
    startGodotServer('Godot server', ['--protocols=chat,other']),
    startGodotServer('Godot server (no subprotocols)', []),
    startGodotServer('Godot server (1 MiB)', [], { project: 'project-1mib' }),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([chat?.server.stop(), plain?.server.stop(), big?.server.stop()]);
});

/** An rxpeer client of `kind` connected to a shared Godot server, and Godot's view of that client. */
async function clientOf(
  t: Session,
  kind: ClientKind,
  shared: { server: Foreign; port: number } | undefined,
  options: ClientOptions & { path?: string } = {},
): Promise<{ conn: RxConn; godot: { saw(): string[]; seen(lines: number): Promise<void>; id: unknown } }> {
  const { conn, view, connected } = await clientOfShared(t, kind, shared!, options);
  // Godot's output is read from its stdout, which may lag behind what rxpeer already received.
  const seen = (lines: number): Promise<void> => until(() => view.saw().length >= lines, `Godot to report ${lines} lines for this client`);
  return { conn, godot: { saw: () => view.saw(), seen, id: connected.id } };
}

describe.each(CLIENT_KINDS)('rxpeer %s → Godot 3 server', (kind) => {
  interop('a subprotocol, text and binary both ways (Godot picks the first offered that it supports)', async (t) => {
    const { conn, godot } = await clientOf(t, kind, chat, { protocols: ['other', 'chat'], path: '/game?room=1' });
    expect(conn.send('héllo wörld ✓')).toBe(ErrorCode.OK);
    expect(conn.send(new Uint8Array([0, 1, 2, 254, 255]))).toBe(ErrorCode.OK);
    expect(conn.send('end')).toBe(ErrorCode.OK);
    await conn.waitFor('text "end"');
    await godot.seen(4);

    const exchanged = ['text "héllo wörld ✓"', 'binary 5 B 00 01 02 fe ff', 'text "end"'];
    expect(godot.saw()).toEqual(['open "other"', ...exchanged]);
    expect(conn.saw()).toEqual(['open "other"', ...exchanged]);
  });

  interop('rxpeer closes with 4001 and a reason: Godot hears both and reports a clean close', async (t) => {
    const { conn, godot } = await clientOf(t, kind, chat, { protocols: ['chat'] });
    expect(conn.close(4001, 'client bye ✓')).toBe(ErrorCode.OK);
    await conn.waitClosed();
    await chat!.server.waitFor((e) => e.event === 'disconnected' && e.id === godot.id, 'the disconnection');

    expect(godot.saw()).toEqual(['open "chat"', 'close-request 4001 "client bye ✓"', 'closed clean=true']);
    expect(conn.saw()).toEqual(['open "chat"', 'closed 4001 "client bye ✓" clean=true']);
  });

  interop('Godot closes with 4002 and a reason: it arrives with a NUL appended, and Godot calls its own close unclean', async (t) => {
    const { conn, godot } = await clientOf(t, kind, chat, { protocols: ['chat'] });
    expect(conn.send('!close 4002 server bye ✓')).toBe(ErrorCode.OK);
    await conn.waitClosed();
    await chat!.server.waitFor((e) => e.event === 'disconnected' && e.id === godot.id, 'the disconnection');

    // Godot 3.2.3 quirks, as in godot-client.test.ts: the reason's terminating NUL is sent,
    // and client_disconnected says clean=false for a close the server started.
    expect(godot.saw()).toEqual(['open "chat"', 'text "!close 4002 server bye ✓"', 'closed clean=false']);
    const received = '4002 "server bye ✓\\u0000"';
    expect(conn.saw()).toEqual([
      'open "chat"',
      ...(kind === 'WebSocketClient' ? [`close-request ${received}`] : []), // server_close_request(code, reason)
      `closed ${received} clean=true`,
    ]);
  });

  interop('a server with subprotocols drops a client that offers none it supports, without an HTTP answer', async (t) => {
    t.follow(chat!.server);
    const conn = startClient(t, kind, `ws://127.0.0.1:${chat!.port}/`, { protocols: ['nope'] });
    await conn.waitClosed();
    const offeredNone = startClient(t, kind, `ws://127.0.0.1:${chat!.port}/`);
    await offeredNone.waitClosed();

    const failed = kind === 'WebSocketClient' ? ['connection-error'] : ['connection-error (closed -1)'];
    expect(conn.saw()).toEqual(failed);
    expect(offeredNone.saw()).toEqual(failed);
    expect(chat!.server.since('connected')).toEqual([]);
  });

  interop('a server without subprotocols accepts a client that offers none, and drops one that offers some', async (t) => {
    const { conn, godot } = await clientOf(t, kind, plain);
    expect(conn.send('hi')).toBe(ErrorCode.OK);
    await conn.waitFor('text "hi"');
    const offering = startClient(t, kind, `ws://127.0.0.1:${plain!.port}/`, { protocols: ['chat'] });
    await offering.waitClosed();
    await godot.seen(2);

    expect(godot.saw()).toEqual(['open ""', 'text "hi"']);
    expect(conn.saw()).toEqual(['open ""', 'text "hi"']);
    expect(offering.saw()).toEqual([kind === 'WebSocketClient' ? 'connection-error' : 'connection-error (closed -1)']);
  });
});

describe('rxpeer → Godot 3 server: message sizes', () => {
  const binary = (size: number): string => payload(pattern(size, false), false);
  const text = (size: number): string => payload(pattern(size, true), true);
  // rxpeer's outbound limit (65535 queued bytes) would refuse the larger sends.
  const configure = (peer: { outboundBufferSize: number; inboundBufferSize: number }, inbound = 65535): void => {
    peer.outboundBufferSize = 1 << 20;
    peer.inboundBufferSize = inbound;
  };

  interop('65535 bytes get through both ways with the default limits', async (t) => {
    const { conn, godot } = await clientOf(t, 'WebSocketPeer', plain, { configure: (peer) => configure(peer) });
    expect(conn.send(pattern(65535, false))).toBe(ErrorCode.OK);
    expect(conn.send('!send text 65535')).toBe(ErrorCode.OK);
    await conn.waitFor((lines) => lines.length === 3, 'the echo and the text');
    await godot.seen(3);

    expect(godot.saw()).toEqual(['open ""', binary(65535), 'text "!send text 65535"']);
    expect(conn.saw()).toEqual(['open ""', binary(65535), text(65535)]);
  });

  interop('Godot drops a 65536-byte message (its buffer holds 65535 bytes) and goes on', async (t) => {
    const { conn, godot } = await clientOf(t, 'WebSocketPeer', plain, { configure: (peer) => configure(peer) });
    expect(conn.send(pattern(65536, false))).toBe(ErrorCode.OK);
    expect(conn.send('still open')).toBe(ErrorCode.OK);
    await conn.waitFor('text "still open"');
    await godot.seen(3);

    expect(godot.saw()).toEqual(['open ""', 'binary 0 B', 'text "still open"']);
    expect(plain!.server.output).toContain('! ERROR: write_packet: Buffer payload full! Dropping data.');
    expect(conn.saw()).toEqual(['open ""', 'text "still open"']);
  });

  interop('above 64 KiB Godot answers 1009 (seen on the wire) and stops reading', async (t) => {
    const tap = await Tap.start(plain!.port);
    t.defer(() => tap.close());
    t.follow(plain!.server);
    const conn = startClient(t, 'WebSocketPeer', `ws://127.0.0.1:${tap.port}/`, { configure: (peer) => configure(peer) });
    const connected = await nextConnection(plain!.server);
    const godot = t.show(connectionView(plain!.server, connected.id));
    await conn.waitFor('open ""');
    expect(conn.send(pattern(65537, false))).toBe(ErrorCode.OK);
    const [wire] = tap.connections as [Tapped];
    await conn.waitClosed();

    expect(wire.closeFramesToClient().map((f) => [f.code, f.reason])).toEqual([[1009, '']]);
    expect(conn.saw()).toEqual(['open ""', 'closed 1009 "" clean=true']);
    // Godot 3.2.3 quirk: it stops reading after its 1009, so it never hears the answer:
    // no client_disconnected for this client while the connection lasts.
    expect(godot.saw()).toEqual(['open ""']);
  });

  interop('rxpeer answers 1009 "Message too big" when Godot sends more than its inboundBufferSize', async (t) => {
    const { conn, godot } = await clientOf(t, 'WebSocketPeer', plain, { configure: (peer) => configure(peer) });
    expect(conn.send('!send binary 65536')).toBe(ErrorCode.OK);
    await conn.waitClosed();
    await plain!.server.waitFor((e) => e.event === 'disconnected' && e.id === godot.id, 'the disconnection');

    expect(conn.saw()).toEqual(['open ""', 'closed 1009 "Message too big" clean=true']);
    expect(godot.saw()).toEqual(['open ""', 'text "!send binary 65536"', 'close-request 1009 "Message too big"', 'closed clean=true']);
  });

  interop('with max_in_buffer_kb=1024 in project.godot: 300 000 bytes both ways, text and binary, and a megabyte from Godot', async (t) => {
    const { conn, godot } = await clientOf(t, 'WebSocketPeer', big, { configure: (peer) => configure(peer, 1 << 20) });
    expect(conn.send(new TextDecoder().decode(pattern(300_000, true)))).toBe(ErrorCode.OK);
    expect(conn.send(pattern(300_000, false))).toBe(ErrorCode.OK);
    expect(conn.send('!send binary 1000000')).toBe(ErrorCode.OK);
    await conn.waitFor((lines) => lines.length === 4, 'two echoes and a megabyte', 15_000);
    await godot.seen(4);

    expect(godot.saw()).toEqual(['open ""', text(300_000), binary(300_000), 'text "!send binary 1000000"']);
    expect(conn.saw()).toEqual(['open ""', text(300_000), binary(300_000), binary(1_000_000)]);
  });
});
