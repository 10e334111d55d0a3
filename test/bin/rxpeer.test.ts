// The rxpeer CLI (bin/rxpeer.ts) built with scripts/build.mjs and run as a real process, as a
// user runs it (node dist/bin/rxpeer.js): usage errors, serve + connect, signals, TLS.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TCPServer } from 'rxpeer';
import { HOST, listenTcp, makeCertificate, removeCertificate, type Certificate } from '../helpers/server.js';
import { expectInOrder, type Program, usePrograms } from '../helpers/programs.js';

const programs = usePrograms();

describe('rxpeer CLI', () => {
  const CLI = 'dist/bin/rxpeer.js';

  /** Starts `rxpeer serve` on a free loopback port; resolves with the program and its port. */
  async function serve(...args: string[]): Promise<[Program, number]> {
    const server = programs.start(CLI, ['serve', '--port', '0', '--bind', HOST, ...args]);
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
    const cli = programs.start(CLI, args);
    expect(await cli.exit()).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toMatch(/^rxpeer: .+\n\nUsage:\n {2}rxpeer serve/);
    expect(cli.stdout).toBe('');
  });

  it('--help prints the usage and exits 0', async () => {
    const cli = programs.start(CLI, ['--help']);
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toMatch(/^Usage:\n {2}rxpeer serve/);
  });

  it('serve + connect: stdin lines go out, echoes come back, end of input closes cleanly (exit 0)', async () => {
    const [server, port] = await serve('--protocol', 'chat', '--protocol', 'v2');
    const client = programs.start(CLI, ['connect', `ws://${HOST}:${port}/room?x=1`, '--protocol', 'v2', '--header', 'X-Test: yes']);
    await client.waitFor(/^\* OPEN, protocol: v2$/m, { stream: 'stderr' });
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
    const client = programs.start(CLI, ['connect', `ws://${HOST}:${port}`]);
    client.child.stdin.end('early\nbird\n');
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.stderr).toContain('* CLOSED with code 1000');
    // The close follows at once, so the echo may be cut off (nothing may follow a close
    // frame); what was sent did arrive, in order.
    await server.waitFor(/Got data from client \d+: early \.\.\. echoing\nGot data from client \d+: bird/);
  });

  it('--wait keeps the connection open after the end of input, so replies still arrive', async () => {
    const [, port] = await serve();
    const client = programs.start(CLI, ['connect', `ws://${HOST}:${port}`, '--wait', '1.5']);
    const ended = Date.now();
    client.child.stdin.end('boomerang\n');
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(Date.now() - ended).toBeGreaterThanOrEqual(1500);
    expect(client.stdout).toBe('< boomerang\n');
  });

  it('connect: Ctrl-C (SIGINT) closes with 1000 and exits 0', async () => {
    const [server, port] = await serve();
    const client = programs.start(CLI, ['connect', `ws://${HOST}:${port}`]);
    await client.waitFor(/^\* OPEN$/m, { stream: 'stderr' });
    client.child.kill('SIGINT');
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.stderr).toContain('* CLOSED with code 1000, reason "". Clean: true');
    await server.waitFor(/disconnecting with code: 1000/);
  });

  it('serve: Ctrl-C closes every client with 1001 and exits 0; the client shows the code and reason', async () => {
    const [server, port] = await serve();
    const client = programs.start(CLI, ['connect', `ws://${HOST}:${port}`]);
    await client.waitFor(/^\* OPEN$/m, { stream: 'stderr' });
    await server.waitFor(/connected from/);
    server.child.kill('SIGINT');
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.stderr).toContain('* CLOSED with code 1001, reason "Server shutting down". Clean: true');
    expect(await server.exit()).toEqual({ code: 0, signal: null });
    expect(server.stdout).toContain('Stopping: closing every client with 1001.');
  });

  it('serve --chat relays "[id] connected", "[id] Says: msg" and "[id] disconnected" to the others', async () => {
    const [server, port] = await serve('--chat');
    const alice = programs.start(CLI, ['connect', `ws://${HOST}:${port}`]);
    await alice.waitFor(/^\* OPEN$/m, { stream: 'stderr' });
    const [, aliceId] = (await server.waitFor(/Client (\d+) connected/))!;
    const bob = programs.start(CLI, ['connect', `ws://${HOST}:${port}`]);
    const [, bobId] = (await alice.waitFor(/^< \[(\d+)\] connected$/m))!;
    await bob.waitFor(/^\* OPEN$/m, { stream: 'stderr' });
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
    const client = programs.start(CLI, ['connect', `ws://${HOST}:${port}`, '--protocol', 'other']);
    expect(await client.exit()).toEqual({ code: 1, signal: null });
    // rxpeer's server refuses a handshake with no common subprotocol with HTTP 400.
    expect(client.stderr).toContain('* CLOSED: connection failed: the server answered HTTP 400 instead of accepting the WebSocket upgrade (code -1)');
  });

  it('connect: a refused port and a URL without ws:// say what is wrong', async () => {
    const taken = await listenTcp(new TCPServer());
    const port = taken.getLocalPort();
    taken.stop(); // nothing listens there any more
    const refused = programs.start(CLI, ['connect', `ws://${HOST}:${port}`]);
    expect(await refused.exit()).toEqual({ code: 1, signal: null });
    expect(refused.stderr).toContain(`* CLOSED: connection failed: connection refused by ${HOST}:${port} (nothing is listening there?) (code -1)`);
    const schemeless = programs.start(CLI, ['connect', `${HOST}:${port}`]);
    expect(await schemeless.exit()).toEqual({ code: 2, signal: null });
    expect(schemeless.stderr).toContain(`did you mean "ws://${HOST}:${port}"?`);
  });

  it('serve: a port in use exits 1 with ERR_ALREADY_IN_USE', async () => {
    const taken = await listenTcp(new TCPServer());
    try {
      const server = programs.start(CLI, ['serve', '--port', String(taken.getLocalPort()), '--bind', HOST]);
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
      const client = programs.start(CLI, ['connect', `wss://${HOST}:${port}`, '--ca', files.cert]);
      await client.waitFor(/^\* OPEN$/m, { stream: 'stderr' });
      client.child.stdin.write('secure hello\n');
      await client.waitFor(/^< secure hello$/m);
      client.child.stdin.end();
      expect(await client.exit()).toEqual({ code: 0, signal: null });
      expect(client.stdout).toBe('< secure hello\n');
    });

    it('connect without --ca refuses the self-signed certificate (exit 1); --insecure accepts it', async () => {
      const [, port] = await serve('--tls-key', files.key, '--tls-cert', files.cert);
      const strict = programs.start(CLI, ['connect', `wss://${HOST}:${port}`]);
      expect(await strict.exit()).toEqual({ code: 1, signal: null });
      expect(strict.stderr).toMatch(/connection failed: TLS verification failed: .*certificate/);
      const lax = programs.start(CLI, ['connect', `wss://${HOST}:${port}`, '--insecure']);
      await lax.waitFor(/^\* OPEN$/m, { stream: 'stderr' });
      lax.child.stdin.end();
      expect(await lax.exit()).toEqual({ code: 0, signal: null });
    });
  });
});
