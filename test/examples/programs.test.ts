// The examples (examples/*.ts, after Godot's WebSocket tutorials) built with scripts/build.mjs
// and run as real processes, as a user runs them (node dist/examples/...). Each answers --help;
// a bad option exits 2.
import { TCPServer } from 'rxpeer';
import { HOST, listenTcp } from '../helpers/server.js';
import { expectInOrder, usePrograms } from '../helpers/programs.js';

const programs = usePrograms();

describe('examples (Godot 3 and 4 WebSocket tutorials)', () => {
  it('npm run demo: the Godot 4 minimal server and client talk and exit 0 after a clean close', async () => {
    const demo = programs.start('dist/examples/demo.js');
    expect(await demo.exit()).toEqual({ code: 0, signal: null });
    expectInOrder(demo.stdout, [
      'Server started.',
      /Connecting to ws:\/\/127\.0\.0\.1:\d+\.\.\./,
      '+ Peer 2 connected.',
      '< Got text data from peer 2: Test packet ... echoing',
      '- Peer 2 closed with code: 1000, reason done. Clean: true',
    ]);
    expectInOrder(demo.stdout, ['> Sending test packet.', '< Got text data from server: Test packet', 'WebSocket closed with code: 1000. Clean: true']);
    expect(demo.stderr).toBe('');
  });

  it('Godot 4 minimal server and client as separate processes', async () => {
    const server = programs.start('dist/examples/godot4-server.js', ['0', '1']);
    const [, port] = await server.waitFor(/Listening on port (\d+)\./);
    const client = programs.start('dist/examples/godot4-client.js', [`ws://${HOST}:${port}`]);
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(await server.exit()).toEqual({ code: 0, signal: null });
    expect(client.stdout).toBe(
      [
        `Connecting to ws://${HOST}:${port}...`,
        '> Sending test packet.',
        '< Got text data from server: Test packet',
        'WebSocket closed with code: 1000. Clean: true',
        '',
      ].join('\n'),
    );
    expect(server.stdout).toBe(
      [
        'Server started.',
        `Listening on port ${port}.`,
        '+ Peer 2 connected.',
        '< Got text data from peer 2: Test packet ... echoing',
        '- Peer 2 closed with code: 1000, reason done. Clean: true',
        '',
      ].join('\n'),
    );
  });

  it('Godot 3 minimal server and client (WebSocketServer / WebSocketClient signals)', async () => {
    const server = programs.start('dist/examples/godot3-server.js', ['0', '1', 'demo-protocol']);
    const [, port] = await server.waitFor(/Listening on port (\d+)\./);
    const client = programs.start('dist/examples/godot3-client.js', [`ws://${HOST}:${port}`, 'demo-protocol']);
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(await server.exit()).toEqual({ code: 0, signal: null });
    expect(client.stdout).toBe(['Connected with protocol: demo-protocol', 'Got data from server: Test packet', 'Closed, clean: true', ''].join('\n'));
    const [, id] = server.stdout.match(/Client (\d+) connected with protocol: demo-protocol/)!;
    expect(Number(id)).toBeGreaterThanOrEqual(2);
    expectInOrder(server.stdout, [
      `Client ${id} connected with protocol: demo-protocol`,
      `Got data from client ${id}: Test packet ... echoing`,
      `Client ${id} disconnecting with code: 1000, reason: done`,
      `Client ${id} disconnected, clean: true`,
    ]);
  });

  it('a Godot 3 client against the Godot 4 server: binary packets are echoed as binary', async () => {
    const server = programs.start('dist/examples/godot4-server.js', ['0', '1']);
    const [, port] = await server.waitFor(/Listening on port (\d+)\./);
    const client = programs.start('dist/examples/godot3-client.js', [`ws://${HOST}:${port}`]);
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(await server.exit()).toEqual({ code: 0, signal: null });
    expect(client.stdout).toContain('Connected with protocol: \nGot data from server: Test packet\nClosed, clean: true');
    expect(server.stdout).toContain('< Got binary data from peer 2: 11 ... echoing');
  });

  it('a client that cannot connect reports the unclean close and exits 1', async () => {
    const free = await listenTcp(new TCPServer());
    const port = free.getLocalPort();
    free.stop(); // nobody listens there any more
    const client = programs.start('dist/examples/godot4-client.js', [`ws://${HOST}:${port}`]);
    expect(await client.exit()).toEqual({ code: 1, signal: null });
    expect(client.stdout).toContain('WebSocket closed with code: -1. Clean: false');
  });
});

describe('every program answers --help', () => {
  it.each([
    ['dist/examples/demo.js', /^Usage: npm run demo/],
    ['dist/examples/chat/main.js', /^Usage: npm run chat/],
    ['dist/examples/multiplayer/main.js', /^usage: main\.js host/],
    ['dist/examples/godot4-server.js', /^Usage: node dist\/examples\/godot4-server\.js/],
    ['dist/examples/godot4-client.js', /^Usage: node dist\/examples\/godot4-client\.js/],
    ['dist/examples/godot3-server.js', /^Usage: node dist\/examples\/godot3-server\.js/],
    ['dist/examples/godot3-client.js', /^Usage: node dist\/examples\/godot3-client\.js/],
  ])('%s --help prints its usage and exits 0', async (script, usage) => {
    const program = programs.start(script, ['--help']);
    const exit = await program.exit();
    expect(program.stderr).toBe('');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(program.stdout).toMatch(usage);
  });

  it('an option a demo does not take is refused with exit 2 and the usage', async () => {
    const program = programs.start('dist/examples/demo.js', ['--bogus']);
    expect(await program.exit()).toEqual({ code: 2, signal: null });
    expect(program.stderr).toMatch(/^unknown option --bogus\nUsage: npm run demo/);
  });
});
