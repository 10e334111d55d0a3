// A real Godot 3 client (Debian's godot3-server, 3.2.3, running the Godot 3 tutorial's minimal client,
// test/interop/godot/client.gd) against rxpeer's servers: TCPServer + acceptStream, the
// Godot 3-style WebSocketServer, and listen(). Godot sends the tutorial's "Test packet" once
// connected, echoes every message as the same kind of frame, and obeys "!close" / "!send".
import { ErrorCode } from 'rxpeer';
import { interop, pattern, payload, requireGodot, type Session } from './harness';
import { type RxConn, type RxServer, SERVER_KINDS, type ServerKind, type ServerOptions, startServer } from './rx';
import { Tap, Tapped } from './tap';

beforeAll(() => {
  requireGodot(); // a missing godot3-server fails every test here, saying how to install it
});

const TEST_PACKET = 'binary "Test packet"'; // the tutorial client: put_packet("Test packet".to_utf8()) once connected

/** An rxpeer server of `kind`, a Godot client connected to it, and the server's side of that connection. */
async function godotClientOf(
  t: Session,
  kind: ServerKind,
  { protocols = [], offered = protocols, project, serverOptions = {} }: { protocols?: string[]; offered?: string[]; project?: string; serverOptions?: ServerOptions } = {},
): Promise<{ server: RxServer; godot: ReturnType<Session['godot']>; conn: () => Promise<RxConn> }> {
  const server = await startServer(t, kind, { protocols, ...serverOptions });
  const godot = t.godot('client', [`--url=ws://127.0.0.1:${server.port}/game?room=1`, `--protocols=${offered.join(',')}`], { project });
  return { server, godot, conn: () => server.conn() };
}

describe.each(SERVER_KINDS)('Godot 3 client → rxpeer server (%s)', (kind) => {
  interop('the tutorial exchange: a subprotocol, text and binary both ways, empty messages', async (t) => {
    const { godot, conn: accepted } = await godotClientOf(t, kind, { protocols: ['chat'], offered: ['lws-mirror-protocol', 'chat'] });
    const conn = await accepted();
    await conn.waitFor(TEST_PACKET);
    expect(conn.send('héllo wörld ✓')).toBe(ErrorCode.OK);
    expect(conn.send(new Uint8Array([0, 1, 2, 254, 255]))).toBe(ErrorCode.OK);
    expect(conn.send('')).toBe(ErrorCode.OK);
    expect(conn.send(new Uint8Array(0))).toBe(ErrorCode.OK);
    expect(conn.send('end')).toBe(ErrorCode.OK);
    await conn.waitFor('text "end"');

    expect(godot.saw()).toEqual([
      'open "chat"', // the first offered protocol the server supports
      'text "héllo wörld ✓"',
      'binary 5 B 00 01 02 fe ff',
      'text ""',
      'binary 0 B',
      'text "end"',
    ]);
    // Godot 3 cannot send an empty message (put_packet of an empty PoolByteArray sends nothing),
    // so the two empty ones have no echo.
    expect(conn.saw()).toEqual(['open "chat"', TEST_PACKET, 'text "héllo wörld ✓"', 'binary 5 B 00 01 02 fe ff', 'text "end"']);
    // The tutorial's own prints.
    expect(godot.output).toEqual(expect.arrayContaining(['Connected with protocol: chat', 'Got data from server: héllo wörld ✓']));
  });

  interop('rxpeer closes with 4001 and a reason: Godot hears both and reports a clean close', async (t) => {
    const { godot, conn: accepted } = await godotClientOf(t, kind);
    const conn = await accepted();
    await conn.waitFor(TEST_PACKET);
    expect(conn.close(4001, 'server bye ✓')).toBe(ErrorCode.OK);
    await godot.waitFor('closed');
    await conn.waitClosed();

    expect(godot.saw()).toEqual(['open ""', 'close-request 4001 "server bye ✓"', 'closed clean=true']);
    // Godot echoes the close frame as it came (code and reason), so rxpeer reports its own words.
    expect(conn.saw()).toEqual(['open ""', TEST_PACKET, 'closed 4001 "server bye ✓" clean=true']);
  });

  for (const [code, reason] of [
    [4002, 'client bye ✓'],
    [1000, ''],
  ] as const) {
    const what = reason === '' ? 'an empty reason stays empty' : 'the reason arrives with a NUL appended';
    interop(`Godot closes with ${code} ${JSON.stringify(reason)}: ${what}, and Godot calls its own close unclean`, async (t) => {
      const { godot, conn: accepted } = await godotClientOf(t, kind);
      const conn = await accepted();
      await conn.waitFor(TEST_PACKET);
      const command = `!close ${code}${reason === '' ? '' : ` ${reason}`}`;
      expect(conn.send(command)).toBe(ErrorCode.OK);
      await godot.waitFor('closed');
      await conn.waitClosed();

      // Godot 3.2.3 quirks, reported as they are: disconnect_from_host() sends a non-empty
      // reason's C string with its terminating NUL (an empty one stays empty), and
      // connection_closed says clean=false for a close Godot started itself, although the
      // server answered its close frame.
      expect(godot.saw()).toEqual(['open ""', `text ${JSON.stringify(command)}`, 'closed clean=false']);
      const received = `${code} ${JSON.stringify(reason === '' ? '' : `${reason}\0`)}`;
      expect(conn.saw()).toEqual([
        'open ""',
        TEST_PACKET,
        ...(kind === 'godot3' ? [`close-request ${received}`] : []), // client_close_request(id, code, reason)
        `closed ${received} clean=true`,
      ]);
    });
  }

  interop('a client that offers no subprotocol the server supports is refused; Godot reports connection_error', async (t) => {
    const { server, godot } = await godotClientOf(t, kind, { protocols: ['chat'], offered: ['nope'] });
    await godot.waitFor('error');

    expect(godot.saw()).toEqual(['connection-error']);
    if (kind === 'acceptStream') {
      // The peer that ran the handshake ends CLOSED with -1, as a failed handshake always does.
      const conn = await server.conn();
      await conn.waitClosed();
      expect(conn.saw()).toEqual(['connection-error (closed -1)']);
    } else {
      expect(server.conns).toEqual([]); // WebSocketServer and listen() emit no client for a failed handshake
    }
  });
});

describe('Godot 3 client → rxpeer server: on the wire', () => {
  interop('Godot sends no Origin and offers no extension; rxpeer selects none; Godot\'s close reason ends in NUL on the wire', async (t) => {
    const server = await startServer(t, 'acceptStream', { protocols: ['chat'] });
    const tap = await Tap.start(server.port);
    t.defer(() => tap.close());
    const godot = t.godot('client', [`--url=ws://127.0.0.1:${tap.port}/`, '--protocols=chat']);
    const conn = await server.conn();
    await conn.waitFor(TEST_PACKET);
    conn.send('!close 4003 bye');
    await godot.waitFor('closed');
    await conn.waitClosed();

    const [wire] = tap.connections as [Tapped];
    t.log('tap', `request:\n${wire.request}\nresponse:\n${wire.response}`);
    expect(wire.request).toMatch(/^GET \/ HTTP\/1\.1\r\n/);
    expect(Tapped.header(wire.request, 'Origin')).toBeUndefined();
    expect(Tapped.header(wire.request, 'Sec-WebSocket-Extensions')).toBeUndefined();
    expect(Tapped.header(wire.request, 'Sec-WebSocket-Protocol')).toBe('chat');
    expect(wire.response).toMatch(/^HTTP\/1\.1 101 /);
    expect(Tapped.header(wire.response, 'Sec-WebSocket-Extensions')).toBeUndefined();
    expect(Tapped.header(wire.response, 'Sec-WebSocket-Protocol')).toBe('chat');
    // Godot's close frame, then rxpeer's echo of it, NUL and all.
    const nul = Buffer.from('bye\0');
    expect(wire.closeFramesToServer().map((f) => [f.code, f.reasonBytes])).toEqual([[4003, nul]]);
    expect(wire.closeFramesToClient().map((f) => [f.code, f.reasonBytes])).toEqual([[4003, nul]]);
  });
});

describe('Godot 3 client → rxpeer server: message sizes', () => {
  const binary = (size: number): string => payload(pattern(size, false), false);
  const text = (size: number): string => payload(pattern(size, true), true);
  // rxpeer's own outbound limit (65535 queued bytes) would refuse the larger sends; its
  // inboundBufferSize stays at the default 65535 unless a test says otherwise.
  const serverOptions: ServerOptions = { configure: (peer) => (peer.outboundBufferSize = 1 << 20) };

  interop('65535 bytes get through both ways with the default limits (Godot 64 KiB, rxpeer 65535)', async (t) => {
    const { godot, conn: accepted } = await godotClientOf(t, 'acceptStream', { serverOptions });
    const conn = await accepted();
    await conn.waitFor(TEST_PACKET);
    expect(conn.send(pattern(65535, false))).toBe(ErrorCode.OK); // echoed by Godot
    expect(conn.send('!send text 65535')).toBe(ErrorCode.OK); // made by Godot
    await conn.waitFor((lines) => lines.length === 4, 'the echo and the text');

    expect(godot.saw()).toEqual(['open ""', binary(65535), 'text "!send text 65535"']);
    expect(conn.saw()).toEqual(['open ""', TEST_PACKET, binary(65535), text(65535)]);
  });

  interop('Godot drops a 65536-byte message: its 64 KiB buffer holds 65535 bytes (an error on stderr, an empty data_received)', async (t) => {
    const { godot, conn: accepted } = await godotClientOf(t, 'acceptStream', { serverOptions });
    const conn = await accepted();
    await conn.waitFor(TEST_PACKET);
    expect(conn.send(pattern(65536, false))).toBe(ErrorCode.OK);
    expect(conn.send('still open')).toBe(ErrorCode.OK);
    await conn.waitFor('text "still open"');

    // Godot 3.2.3 quirk: wslay accepts up to 2^16 bytes, but the packet buffer behind it is a
    // ring of 2^16 bytes that holds 2^16 - 1. The message is lost; the connection goes on.
    expect(godot.saw()).toEqual(['open ""', 'binary 0 B', 'text "still open"']);
    expect(godot.output).toContain('! ERROR: write_packet: Buffer payload full! Dropping data.');
    expect(conn.saw()).toEqual(['open ""', TEST_PACKET, 'text "still open"']);
  });

  interop('above 64 KiB Godot answers 1009, and then reports nothing itself', async (t) => {
    const { godot, conn: accepted } = await godotClientOf(t, 'acceptStream', { serverOptions });
    const conn = await accepted();
    await conn.waitFor(TEST_PACKET);
    expect(conn.send(pattern(65537, false))).toBe(ErrorCode.OK);
    await conn.waitClosed();

    expect(conn.saw()).toEqual(['open ""', TEST_PACKET, 'closed 1009 "" clean=true']);
    // Godot 3.2.3 quirk: after its 1009 it stops reading, so it never sees rxpeer's answer nor
    // the end of the connection: no connection_closed while it runs.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(godot.running).toBe(true);
    expect(godot.saw()).toEqual(['open ""']);
  });

  interop('rxpeer answers 1009 "Message too big" when Godot sends more than its inboundBufferSize', async (t) => {
    const { godot, conn: accepted } = await godotClientOf(t, 'acceptStream', { serverOptions });
    const conn = await accepted();
    await conn.waitFor(TEST_PACKET);
    expect(conn.send('!send binary 65536')).toBe(ErrorCode.OK); // rxpeer's default inboundBufferSize is 65535
    await godot.waitFor('closed');
    await conn.waitClosed();

    expect(conn.saw()).toEqual(['open ""', TEST_PACKET, 'closed 1009 "Message too big" clean=true']); // exact rule 3
    expect(godot.saw()).toEqual(['open ""', 'text "!send binary 65536"', 'close-request 1009 "Message too big"', 'closed clean=true']);
  });

  interop('with max_in_buffer_kb=1024 in project.godot (run with --path): 300 000 bytes both ways, text and binary', async (t) => {
    const { godot, conn: accepted } = await godotClientOf(t, 'acceptStream', {
      project: 'project-1mib',
      serverOptions: {
        configure: (peer) => {
          peer.inboundBufferSize = 1 << 20;
          peer.outboundBufferSize = 1 << 20;
        },
      },
    });
    const conn = await accepted();
    await conn.waitFor(TEST_PACKET);
    expect((await godot.waitFor('start')).max_in_buffer_kb).toBe(1024);
    expect(conn.send(new TextDecoder().decode(pattern(300_000, true)))).toBe(ErrorCode.OK);
    expect(conn.send(pattern(300_000, false))).toBe(ErrorCode.OK);
    expect(conn.send('!send binary 1000000')).toBe(ErrorCode.OK);
    await conn.waitFor((lines) => lines.length === 5, 'two echoes and a megabyte', 15_000);

    expect(godot.saw()).toEqual(['open ""', text(300_000), binary(300_000), 'text "!send binary 1000000"']);
    expect(conn.saw()).toEqual(['open ""', TEST_PACKET, text(300_000), binary(300_000), binary(1_000_000)]);
  });
});

