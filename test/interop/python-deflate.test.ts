// permessage-deflate with Python websockets 10.4 (Debian's python3-websockets), both ways:
// rxpeer's servers accept it when asked (perMessageDeflate), its clients stop offering it
// with perMessageDeflate: false. Python counts the bytes on the wire, so compression is
// checked where it happens; the inflated size counts against inboundBufferSize.
import { ErrorCode } from 'rxpeer';
import { type Foreign, interop, nextConnection, pattern, payload, requirePython, type Session, startPythonServer } from './harness';
import { type ClientKind, type RxConn, type ServerKind, type ServerOptions, startClient, startServer } from './rx';

const HELLO = 'text "Test packet"';
const text = (size: number): string => payload(pattern(size, true), true);

beforeAll(() => {
  requirePython(); // a missing python3-websockets fails every test here, saying how to install it
});

async function pythonClientOf(t: Session, kind: ServerKind, serverOptions: ServerOptions) {
  const server = await startServer(t, kind, serverOptions);
  const python = t.python('client', ['--url', `ws://127.0.0.1:${server.port}/`]);
  return { python, conn: await server.conn() };
}

/** The server kinds that take the option: the peer property, and listen()'s option. */
const deflating: [ServerKind, ServerOptions][] = [
  ['acceptStream', { configure: (peer) => (peer.perMessageDeflate = true) }],
  ['listen', { listenOptions: { perMessageDeflate: true } }],
];

describe.each(deflating)('Python websockets client → rxpeer server (%s) with perMessageDeflate', (kind, serverOptions) => {
  interop('negotiates permessage-deflate; a 300 000-byte text crosses in a few KiB each way', async (t) => {
    const { python, conn } = await pythonClientOf(t, kind, {
      ...serverOptions,
      configure: (peer) => {
        serverOptions.configure?.(peer);
        peer.inboundBufferSize = 1 << 20;
        peer.outboundBufferSize = 1 << 20;
      },
      listenOptions: { ...serverOptions.listenOptions, inboundBufferSize: 1 << 20, outboundBufferSize: 1 << 20 },
    });
    await conn.waitFor(HELLO);
    expect(conn.send('!send text 300000')).toBe(ErrorCode.OK);
    await conn.waitFor(text(300_000));
    expect(conn.send(new TextDecoder().decode(pattern(300_000, true)))).toBe(ErrorCode.OK);
    const received = await python.waitFor((e) => e.event === 'data' && e.size === 300_000, 'Python to receive the echo');
    const sent = await python.waitFor((e) => e.event === 'sent' && e.size === 300_000, 'Python to finish its send');

    expect(python.saw()).toEqual(['open "" ext=[permessage-deflate]', 'text "!send text 300000"', text(300_000)]);
    const open = await python.waitFor('open');
    expect(String(open.response_headers?.['sec-websocket-extensions' as never])).toMatch(/^permessage-deflate/);
    expect(sent.wire).toBeLessThan(20_000); // what Python put on the wire
    expect(received.wire_in).toBeLessThan(40_000); // everything Python read so far, handshake and echo included
  });

  interop('the inflated size counts against inboundBufferSize: a compression bomb gets 1009', async (t) => {
    const { python, conn } = await pythonClientOf(t, kind, serverOptions);
    await conn.waitFor(HELLO);
    expect(conn.send('!send text 65535')).toBe(ErrorCode.OK);
    await conn.waitFor(text(65535));
    expect(conn.send('!send text 1000000')).toBe(ErrorCode.OK); // about 1 KiB on the wire, 1 MB inflated
    await conn.waitClosed();
    await python.waitFor('closed');

    expect(conn.saw()).toEqual(['open ""', HELLO, text(65535), 'closed 1009 "Message too big" clean=true']);
    expect(python.saw()).toEqual([
      'open "" ext=[permessage-deflate]',
      'text "!send text 65535"',
      'text "!send text 1000000"',
      'closed rcvd=1009 "Message too big" sent=1009 "Message too big"',
    ]);
  });
});

describe('rxpeer client → Python websockets server with perMessageDeflate: false', () => {
  let shared: { server: Foreign; port: number } | undefined;
  beforeAll(async () => {
    shared = await startPythonServer('Python server', []);
  }, 30_000);
  afterAll(async () => {
    await shared?.server.stop();
  });

  const kinds: [ClientKind, Parameters<typeof startClient>[3]][] = [
    ['WebSocketPeer', { configure: (peer) => (peer.perMessageDeflate = false) }],
    ['connect()', { connectOptions: { perMessageDeflate: false } }],
  ];

  describe.each(kinds)('%s', (kind, options) => {
    interop('offers no extension, and messages go uncompressed', async (t) => {
      const { server, port } = shared!;
      t.follow(server);
      const conn: RxConn = startClient(t, kind, `ws://127.0.0.1:${port}/`, options);
      const connected = await nextConnection(server);
      await conn.waitFor((lines) => lines.length > 0, 'the handshake');
      expect(connected.extensions).toEqual([]);
      expect((connected.request_headers as Record<string, unknown>)['sec-websocket-extensions']).toBeNull();
      expect(conn.send(new TextDecoder().decode(pattern(10_000, true)))).toBe(ErrorCode.OK);
      await conn.waitFor(text(10_000));
      const sent = await server.waitFor((e) => e.event === 'sent' && e.id === connected.id && e.size === 10_000, 'the echo');
      expect(sent.wire).toBeGreaterThan(10_000); // payload plus frame header: not compressed
    });
  });
});
