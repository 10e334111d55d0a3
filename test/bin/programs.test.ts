// The seed examples and the rxpeer CLI, built with scripts/build.mjs and run as real
// processes (as a user runs them: node dist/...), from one private build for the whole file.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TCPServer } from 'rxpeer';
import { type BuiltPackage, buildPackage } from '../helpers/built-package.js';
import { HOST, listenTcp, makeCertificate, removeCertificate, within, type Certificate } from '../helpers/server';

const ROOT = resolve(__dirname, '../..');
const PROGRAM_DEADLINE_MS = 15_000;

// A private build: the programs run from it as from an installed package, and no other
// test (or a developer's npm run demo) can rebuild it underneath them.
let built: BuiltPackage;
beforeAll(async () => {
  built = await buildPackage();
}, 130_000);
afterAll(() => built?.remove());

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned node program whose output can be awaited line by line. */
class Program {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';
  #changed: (() => void)[] = [];

  constructor(script: string, args: string[] = []) {
    this.child = spawn(process.execPath, [join(built.packageDir, script), ...args], { cwd: ROOT });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.#append('stdout', chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => this.#append('stderr', chunk));
    this.child.stdin.on('error', () => {}); // EPIPE when a program exits before reading its input
    this.exited = new Promise((done) => this.child.once('close', (code, signal) => done({ code, signal })));
    running.push(this);
  }

  /** Resolves with the first match of `pattern` in the stream, as output arrives. */
  async waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
    return within(
      (async () => {
        for (;;) {
          const match = this[stream].match(pattern);
          if (match !== null) return match;
          await new Promise<void>((changed) => this.#changed.push(changed));
        }
      })(),
      `${pattern} on ${stream}; so far:\n${this.stdout}\n--- stderr:\n${this.stderr}`,
      PROGRAM_DEADLINE_MS,
    );
  }

  async exit(): Promise<Exit> {
    return within(this.exited, `the program to exit; output:\n${this.stdout}\n--- stderr:\n${this.stderr}`, PROGRAM_DEADLINE_MS);
  }

  #append(stream: 'stdout' | 'stderr', chunk: string): void {
    this[stream] += chunk;
    const waiting = this.#changed.splice(0);
    waiting.forEach((wake) => wake());
  }
}

const running: Program[] = [];
afterEach(async () => {
  const programs = running.splice(0);
  for (const program of programs) if (program.child.exitCode === null && program.child.signalCode === null) program.child.kill('SIGKILL');
  await Promise.all(programs.map((p) => p.exited));
});

/** Asserts that `lines` occur in `output` in this order. */
function expectInOrder(output: string, lines: (string | RegExp)[]): void {
  let from = 0;
  for (const line of lines) {
    const rest = output.slice(from);
    const match = typeof line === 'string' ? { index: rest.indexOf(line), length: line.length } : (() => {
      const m = rest.match(line);
      return m === null ? { index: -1, length: 0 } : { index: m.index!, length: m[0].length };
    })();
    if (match.index < 0) throw new Error(`expected ${String(line)} after position ${from} in:\n${output}`);
    from += match.index + match.length;
  }
}

describe('examples (seeds 000/002/003)', () => {
  it('npm run demo: the Godot 4 minimal server and client talk and exit 0 after a clean close', async () => {
    const demo = new Program('dist/examples/demo.js');
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
    const server = new Program('dist/examples/godot4-server.js', ['0', '1']);
    const [, port] = await server.waitFor(/Listening on port (\d+)\./);
    const client = new Program('dist/examples/godot4-client.js', [`ws://${HOST}:${port}`]);
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
    const server = new Program('dist/examples/godot3-server.js', ['0', '1', 'demo-protocol']);
    const [, port] = await server.waitFor(/Listening on port (\d+)\./);
    const client = new Program('dist/examples/godot3-client.js', [`ws://${HOST}:${port}`, 'demo-protocol']);
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
    const server = new Program('dist/examples/godot4-server.js', ['0', '1']);
    const [, port] = await server.waitFor(/Listening on port (\d+)\./);
    const client = new Program('dist/examples/godot3-client.js', [`ws://${HOST}:${port}`]);
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(await server.exit()).toEqual({ code: 0, signal: null });
    expect(client.stdout).toContain('Connected with protocol: \nGot data from server: Test packet\nClosed, clean: true');
    expect(server.stdout).toContain('< Got binary data from peer 2: 11 ... echoing');
  });

  it('a client that cannot connect reports the unclean close and exits 1', async () => {
    const free = await listenTcp(new TCPServer());
    const port = free.getLocalPort();
    free.stop(); // nobody listens there any more
    const client = new Program('dist/examples/godot4-client.js', [`ws://${HOST}:${port}`]);
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
    ['dist/bin/rxpeer.js', /^Usage:\n  rxpeer serve/],
  ])('%s --help prints its usage and exits 0', async (script, usage) => {
    const program = new Program(script, ['--help']);
    const exit = await program.exit();
    expect(program.stderr).toBe('');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(program.stdout).toMatch(usage);
  });

  it('an option a demo does not take is refused with exit 2 and the usage', async () => {
    const program = new Program('dist/examples/demo.js', ['--bogus']);
    expect(await program.exit()).toEqual({ code: 2, signal: null });
    expect(program.stderr).toMatch(/^unknown option --bogus\nUsage: npm run demo/);
  });
});

describe('rxpeer CLI', () => {
  const CLI = 'dist/bin/rxpeer.js';

  /** Starts `rxpeer serve` on a free loopback port; resolves with the program and its port. */
  async function serve(...args: string[]): Promise<[Program, number]> {
    const server = new Program(CLI, ['serve', '--port', '0', '--bind', HOST, ...args]);
    const [, port] = await server.waitFor(/Listening on port (\d+)/);
    return [server, Number(port)];
  }

  it.each([
    [[]],
    [['bogus']],
    [['serve', '--nope']],
    [['serve', '--port', 'abc']],
    [['serve', '--port', '70000']],
    [['serve', '--echo', '--chat']],
    [['serve', '--tls-key', 'only-a-key.pem']],
    [['serve', '--tls-key', 'missing.pem', '--tls-cert', 'missing.pem']],
    [['serve', 'extra']],
    [['serve', '--bind', 'not-an-ip']],
    [['serve', '--protocol', 'not a token']],
    [['connect']],
    [['connect', 'ws://a', 'ws://b']],
    [['connect', 'http://127.0.0.1/']],
    [['connect', 'ws://127.0.0.1:1', '--header', 'no colon']],
    [['connect', 'ws://127.0.0.1:1', '--ca', 'x.pem', '--insecure']],
    [['connect', 'ws://127.0.0.1:1', '--wait', 'soon']],
  ])('%j: prints the usage and exits 2', async (args) => {
    const cli = new Program(CLI, args);
    expect(await cli.exit()).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toMatch(/^rxpeer: .+\n\nUsage:\n {2}rxpeer serve/);
    expect(cli.stdout).toBe('');
  });

  it('--help prints the usage and exits 0', async () => {
    const cli = new Program(CLI, ['--help']);
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toMatch(/^Usage:\n {2}rxpeer serve/);
  });

  it('serve + connect: stdin lines go out, echoes come back, end of input closes cleanly (exit 0)', async () => {
    const [server, port] = await serve('--protocol', 'chat', '--protocol', 'v2');
    const client = new Program(CLI, ['connect', `ws://${HOST}:${port}/room?x=1`, '--protocol', 'v2', '--header', 'X-Test: yes']);
    await client.waitFor(/^\* OPEN, protocol: v2$/m, 'stderr');
    client.child.stdin.write('hello\n');
    await client.waitFor(/^< hello$/m);
    client.child.stdin.write('second line\n');
    await client.waitFor(/^< second line$/m);
    client.child.stdin.end();
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.stdout).toBe('< hello\n< second line\n');
    expectInOrder(client.stderr, [`* CONNECTING to ws://${HOST}:${port}/room?x=1`, '* OPEN, protocol: v2', '* CLOSING', '* CLOSED with code 1000, reason "". Clean: true']);

    const [, id] = (await server.waitFor(/Client (\d+) disconnected, clean: true/))!;
    expectInOrder(server.stdout, [
      `Client ${id} connected from ${HOST} with protocol: v2`,
      `Got data from client ${id}: hello ... echoing`,
      `Got data from client ${id}: second line ... echoing`,
      `Client ${id} disconnecting with code: 1000, reason: `,
      `Client ${id} disconnected, clean: true`,
    ]);
    server.child.kill('SIGINT');
    expect(await server.exit()).toEqual({ code: 0, signal: null });
  });

  it('lines typed before the connection opens are sent once it does, even if the input already ended', async () => {
    const [server, port] = await serve();
    const client = new Program(CLI, ['connect', `ws://${HOST}:${port}`]);
    client.child.stdin.end('early\nbird\n');
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.stderr).toContain('* CLOSED with code 1000');
    // The close follows at once, so the echo may be cut off (nothing may follow a close
    // frame); what was sent did arrive, in order.
    await server.waitFor(/Got data from client \d+: early \.\.\. echoing\nGot data from client \d+: bird/);
  });

  it('--wait keeps the connection open after the end of input, so replies still arrive', async () => {
    const [, port] = await serve();
    const client = new Program(CLI, ['connect', `ws://${HOST}:${port}`, '--wait', '1.5']);
    const ended = Date.now();
    client.child.stdin.end('boomerang\n');
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(Date.now() - ended).toBeGreaterThanOrEqual(1500);
    expect(client.stdout).toBe('< boomerang\n');
  });

  it('connect: Ctrl-C (SIGINT) closes with 1000 and exits 0', async () => {
    const [server, port] = await serve();
    const client = new Program(CLI, ['connect', `ws://${HOST}:${port}`]);
    await client.waitFor(/^\* OPEN$/m, 'stderr');
    client.child.kill('SIGINT');
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.stderr).toContain('* CLOSED with code 1000, reason "". Clean: true');
    await server.waitFor(/disconnecting with code: 1000/);
  });

  it('serve: Ctrl-C closes every client with 1001 and exits 0; the client shows the code and reason', async () => {
    const [server, port] = await serve();
    const client = new Program(CLI, ['connect', `ws://${HOST}:${port}`]);
    await client.waitFor(/^\* OPEN$/m, 'stderr');
    await server.waitFor(/connected from/);
    server.child.kill('SIGINT');
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.stderr).toContain('* CLOSED with code 1001, reason "Server shutting down". Clean: true');
    expect(await server.exit()).toEqual({ code: 0, signal: null });
    expect(server.stdout).toContain('Stopping: closing every client with 1001.');
  });

  it('serve --chat relays "[id] connected", "[id] Says: msg" and "[id] disconnected" to the others', async () => {
    const [server, port] = await serve('--chat');
    const alice = new Program(CLI, ['connect', `ws://${HOST}:${port}`]);
    await alice.waitFor(/^\* OPEN$/m, 'stderr');
    const [, aliceId] = (await server.waitFor(/Client (\d+) connected/))!;
    const bob = new Program(CLI, ['connect', `ws://${HOST}:${port}`]);
    const [, bobId] = (await alice.waitFor(/^< \[(\d+)\] connected$/m))!;
    await bob.waitFor(/^\* OPEN$/m, 'stderr');
    bob.child.stdin.write('hi all\n');
    await alice.waitFor(new RegExp(`^< \\[${bobId}\\] Says: hi all$`, 'm'));
    alice.child.stdin.write('hello bob\n');
    await bob.waitFor(new RegExp(`^< \\[${aliceId}\\] Says: hello bob$`, 'm'));
    bob.child.stdin.end();
    expect(await bob.exit()).toEqual({ code: 0, signal: null });
    await alice.waitFor(new RegExp(`^< \\[${bobId}\\] disconnected$`, 'm'));
    alice.child.stdin.end();
    expect(await alice.exit()).toEqual({ code: 0, signal: null });
    // Nobody hears their own words or their own arrival.
    expect(bob.stdout).not.toContain('hi all');
    expect(alice.stdout).not.toContain(`[${aliceId}] connected`);
    expect(server.stdout).toContain(`[${bobId}] Says: hi all`);
  });

  it('connect: a failed handshake (no common subprotocol) reports the failure and exits 1', async () => {
    const [, port] = await serve('--protocol', 'chat');
    const client = new Program(CLI, ['connect', `ws://${HOST}:${port}`, '--protocol', 'other']);
    expect(await client.exit()).toEqual({ code: 1, signal: null });
    // rxpeer's server refuses a handshake with no common subprotocol with HTTP 400.
    expect(client.stderr).toContain('* CLOSED: connection failed: the server answered HTTP 400 instead of accepting the WebSocket upgrade (code -1)');
  });

  it('connect: a refused port and a URL without ws:// say what is wrong', async () => {
    const taken = await listenTcp(new TCPServer());
    const port = taken.getLocalPort();
    taken.stop(); // nothing listens there any more
    const refused = new Program(CLI, ['connect', `ws://${HOST}:${port}`]);
    expect(await refused.exit()).toEqual({ code: 1, signal: null });
    expect(refused.stderr).toContain(`* CLOSED: connection failed: connection refused by ${HOST}:${port} (nothing is listening there?) (code -1)`);
    const schemeless = new Program(CLI, ['connect', `${HOST}:${port}`]);
    expect(await schemeless.exit()).toEqual({ code: 2, signal: null });
    expect(schemeless.stderr).toContain(`did you mean "ws://${HOST}:${port}"?`);
  });

  it('serve: a port in use exits 1 with ERR_ALREADY_IN_USE', async () => {
    const taken = await listenTcp(new TCPServer());
    try {
      const server = new Program(CLI, ['serve', '--port', String(taken.getLocalPort()), '--bind', HOST]);
      expect(await server.exit()).toEqual({ code: 1, signal: null });
      expect(server.stderr).toContain('ERR_ALREADY_IN_USE');
    } finally {
      taken.stop();
    }
  });

  describe('over TLS', () => {
    let certificate: Certificate;
    let files: { key: string; cert: string };
    beforeAll(() => {
      certificate = makeCertificate();
      files = { key: join(certificate.dir, 'server-key.pem'), cert: join(certificate.dir, 'server-cert.pem') };
      writeFileSync(files.key, certificate.key);
      writeFileSync(files.cert, certificate.cert);
    });
    afterAll(() => removeCertificate(certificate));

    it('serve --tls-key/--tls-cert + connect --ca: wss echo and a clean close', async () => {
      const [server, port] = await serve('--tls-key', files.key, '--tls-cert', files.cert);
      expect(server.stdout).toContain('(wss, echo)');
      const client = new Program(CLI, ['connect', `wss://${HOST}:${port}`, '--ca', files.cert]);
      await client.waitFor(/^\* OPEN$/m, 'stderr');
      client.child.stdin.write('secure hello\n');
      await client.waitFor(/^< secure hello$/m);
      client.child.stdin.end();
      expect(await client.exit()).toEqual({ code: 0, signal: null });
      expect(client.stdout).toBe('< secure hello\n');
    });

    it('connect without --ca refuses the self-signed certificate (exit 1); --insecure accepts it', async () => {
      const [, port] = await serve('--tls-key', files.key, '--tls-cert', files.cert);
      const strict = new Program(CLI, ['connect', `wss://${HOST}:${port}`]);
      expect(await strict.exit()).toEqual({ code: 1, signal: null });
      expect(strict.stderr).toMatch(/connection failed: TLS verification failed: .*certificate/);
      const lax = new Program(CLI, ['connect', `wss://${HOST}:${port}`, '--insecure']);
      await lax.waitFor(/^\* OPEN$/m, 'stderr');
      lax.child.stdin.end();
      expect(await lax.exit()).toEqual({ code: 0, signal: null });
    });
  });
});
