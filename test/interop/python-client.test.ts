// A Python websockets 10.4 client (Debian's python3-websockets, test/interop/python/client.py)
// against rxpeer's servers: TCPServer + acceptStream, the Godot 3-style WebSocketServer, and
// listen(). The client sends "Test packet" as text once connected, echoes every message as the
// same kind of frame, and obeys "!close" / "!send".
import { ErrorCode } from 'rxpeer';
import { interop, pattern, payload, requirePython, type Session } from './harness';
import { type RxConn, type RxServer, SERVER_KINDS, type ServerKind, type ServerOptions, startServer } from './rx';

beforeAll(() => {
  requirePython(); // a missing python3-websockets fails every test here, saying how to install it
});

const HELLO = 'text "Test packet"';

async function pythonClientOf(
  t: Session,
  kind: ServerKind,
  { protocols = [], offered = protocols, serverOptions = {}, args = [] }: { protocols?: string[]; offered?: string[]; serverOptions?: ServerOptions; args?: string[] } = {},
): Promise<{ server: RxServer; python: ReturnType<Session['python']>; conn: () => Promise<RxConn> }> {
  const server = await startServer(t, kind, { protocols, ...serverOptions });
  const python = t.python('client', ['--url', `ws://127.0.0.1:${server.port}/game?room=1`, '--protocols', offered.join(','), ...args]);
  return { server, python, conn: () => server.conn() };
}

describe.each(SERVER_KINDS)('Python websockets client → rxpeer server (%s)', (kind) => {
  interop('text, binary and empty messages, a subprotocol; the offered permessage-deflate is declined', async (t) => {
    const { python, conn: accepted } = await pythonClientOf(t, kind, { protocols: ['chat'], offered: ['superchat', 'chat'] });
    const conn = await accepted();
    await conn.waitFor(HELLO);
    for (const message of ['héllo wörld ✓', new Uint8Array([0, 1, 2, 254, 255]), '', new Uint8Array(0), 'end']) {
      expect(conn.send(message)).toBe(ErrorCode.OK);
    }
    await conn.waitFor('text "end"');

    const exchanged = ['text "héllo wörld ✓"', 'binary 5 B 00 01 02 fe ff', 'text ""', 'binary 0 B', 'text "end"'];
    expect(python.saw()).toEqual(['open "chat" ext=[]', ...exchanged]);
    expect(conn.saw()).toEqual(['open "chat"', HELLO, ...exchanged]);
    // websockets offered permessage-deflate; rxpeer's server, like Godot, negotiates no extension.
    const open = await python.waitFor('open');
    expect(open.response_headers).toEqual({ 'sec-websocket-protocol': 'chat', 'sec-websocket-extensions': null });
  });

  interop('Python closes with 4001 and a reason: rxpeer hears it and answers with the same', async (t) => {
    const { python, conn: accepted } = await pythonClientOf(t, kind);
    const conn = await accepted();
    await conn.waitFor(HELLO);
    expect(conn.send('!close 4001 client bye ✓')).toBe(ErrorCode.OK);
    await python.waitFor('closed');
    await conn.waitClosed();

    expect(python.saw()).toEqual(['open "" ext=[]', 'text "!close 4001 client bye ✓"', 'closed rcvd=4001 "client bye ✓" sent=4001 "client bye ✓"']);
    expect(conn.saw()).toEqual([
      'open ""',
      HELLO,
      ...(kind === 'godot3' ? ['close-request 4001 "client bye ✓"'] : []),
      'closed 4001 "client bye ✓" clean=true',
    ]);
  });

  interop('rxpeer closes with 4002 and a reason: Python hears it and answers with the same', async (t) => {
    const { python, conn: accepted } = await pythonClientOf(t, kind);
    const conn = await accepted();
    await conn.waitFor(HELLO);
    expect(conn.close(4002, 'server bye ✓')).toBe(ErrorCode.OK);
    await python.waitFor('closed');
    await conn.waitClosed();

    expect(python.saw()).toEqual(['open "" ext=[]', 'closed rcvd=4002 "server bye ✓" sent=4002 "server bye ✓"']);
    expect(conn.saw()).toEqual(['open ""', HELLO, 'closed 4002 "server bye ✓" clean=true']);
  });

  interop('a client that offers no subprotocol the server supports gets HTTP 400', async (t) => {
    const { server, python } = await pythonClientOf(t, kind, { protocols: ['chat'], offered: ['superchat'] });
    await python.waitFor('error');

    expect(python.saw()).toEqual(['error InvalidStatusCode 400']);
    if (kind === 'acceptStream') {
      const conn = await server.conn();
      await conn.waitClosed();
      expect(conn.saw()).toEqual(['connection-error (closed -1)']); // a failed handshake ends CLOSED with -1
    } else {
      expect(server.conns).toEqual([]);
    }
  });
});

describe('Python websockets client → rxpeer server: message sizes', () => {
  const text = (size: number): string => payload(pattern(size, true), true);

  interop('rxpeer takes exactly inboundBufferSize bytes (65535) and answers 1009 "Message too big" to one more', async (t) => {
    const { python, conn: accepted } = await pythonClientOf(t, 'acceptStream');
    const conn = await accepted();
    await conn.waitFor(HELLO);
    expect(conn.send('!send text 65535')).toBe(ErrorCode.OK);
    await conn.waitFor(text(65535));
    expect(conn.send('!send text 65536')).toBe(ErrorCode.OK);
    await python.waitFor('closed');
    await conn.waitClosed();

    expect(conn.saw()).toEqual(['open ""', HELLO, text(65535), 'closed 1009 "Message too big" clean=true']); // exact rule 3
    expect(python.saw()).toEqual([
      'open "" ext=[]',
      'text "!send text 65535"',
      'text "!send text 65536"',
      'closed rcvd=1009 "Message too big" sent=1009 "Message too big"',
    ]);
  });

  interop('with a raised inboundBufferSize: 500 000 bytes both ways', async (t) => {
    const { python, conn: accepted } = await pythonClientOf(t, 'acceptStream', {
      serverOptions: {
        configure: (peer) => {
          peer.inboundBufferSize = 1 << 20;
          peer.outboundBufferSize = 1 << 20;
        },
      },
    });
    const conn = await accepted();
    await conn.waitFor(HELLO);
    expect(conn.send(pattern(500_000, false))).toBe(ErrorCode.OK);
    expect(conn.send('!send text 500000')).toBe(ErrorCode.OK);
    await conn.waitFor((lines) => lines.length === 4, 'the echo and the text');

    const binary = payload(pattern(500_000, false), false);
    expect(python.saw()).toEqual(['open "" ext=[]', binary, 'text "!send text 500000"']);
    expect(conn.saw()).toEqual(['open ""', HELLO, binary, text(500_000)]);
  });
});
