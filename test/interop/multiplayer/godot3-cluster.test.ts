// Real Godot 3 clients (godot3-server running mp-peer.gd) on two different rxpeer nodes
// joined by redisBus on a real redis-server: they get ids unique across the cluster, see
// each other join and leave, and exchange targeted and broadcast packets across the nodes.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { join as joinPath } from 'node:path';
import { ErrorCode, WebSocketMultiplayerPeer } from 'rxpeer';
import { redisBus, type RedisBus } from 'rxpeer/redis';
import { startRedis, type RedisServer } from '../../helpers/redis-server.js';
import { nextTurn } from '../../helpers/multiplayer';

const GODOT = 'godot3-server';
const SCRIPT = joinPath(__dirname, 'mp-peer.gd');
const HOST = '127.0.0.1';
const WAIT_MS = 15_000;
const encoder = new TextEncoder();

const version = (() => {
  const result = spawnSync(GODOT, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.error === undefined && /^3\./.test(result.stdout) ? result.stdout.trim() : null;
})();

class GodotClient {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  stdout = '';
  stderr = '';
  constructor(url: string) {
    this.child = spawn(GODOT, ['--no-window', '-s', SCRIPT, '--', 'client', url], { env: { ...process.env, LANG: 'en_US.UTF-8' } });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((done) => this.child.once('exit', (code) => done(code)));
  }
  said(line: string): boolean {
    return this.stdout.split('\n').includes(line);
  }
  lines(prefix: string): string[] {
    return this.stdout.split('\n').filter((line) => line.startsWith(prefix));
  }
  kill(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }
}

const describeGodot = version === null ? describe.skip : describe;
if (version === null) {
  it('needs godot3-server (apt-get install godot3-server; .ci/run installs it)', () => {
    throw new Error(`${GODOT} was not found on PATH`);
  });
}

describeGodot(`Godot 3 clients on two rxpeer nodes joined by redisBus (${version ?? ''})`, () => {
  let redis: RedisServer;
  const buses: RedisBus[] = [];
  const servers: WebSocketMultiplayerPeer[] = [];
  const godots: GodotClient[] = [];
  /** What each server's application received, as "from>text". */
  const received = new Map<WebSocketMultiplayerPeer, string[]>();

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(godots.map((g) => g.kill()));
    for (const server of servers) server.close();
    await Promise.all(buses.map((bus) => bus.close()));
    await redis.stop();
  });

  async function node(): Promise<{ server: WebSocketMultiplayerPeer; url: string }> {
    const bus = redisBus({ url: redis.url });
    buses.push(bus);
    const server = new WebSocketMultiplayerPeer();
    server.bus = bus;
    servers.push(server);
    received.set(server, []);
    expect(server.createServer(0, HOST)).toBe(ErrorCode.OK);
    expect(await server.ready()).toBe(ErrorCode.OK);
    return { server, url: `ws://${HOST}:${server.getLocalPort()}/` };
  }

  async function until(what: string, done: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      for (const server of servers) {
        server.poll();
        while (server.getAvailablePacketCount() > 0) {
          const from = server.getPacketPeer();
          received.get(server)!.push(`${from}>${new TextDecoder().decode(server.getPacket())}`);
        }
      }
      if (done()) return;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}\n${godots.map((g, i) => `godot ${i + 1}:\n${g.stdout}${g.stderr}`).join('\n')}`);
      }
      await nextTurn();
    }
  }

  const command = (server: WebSocketMultiplayerPeer, godotId: number, text: string): void => {
    server.setTargetPeer(godotId);
    expect(server.putPacket(encoder.encode(text))).toBe(ErrorCode.OK);
  };

  it('see each other, exchange targeted and broadcast packets across nodes, and see a leave', async () => {
    const one = await node();
    const two = await node();
    const g1 = new GodotClient(one.url);
    godots.push(g1);
    await until('Godot 1 to connect', () => /^CONNECTED \d+$/m.test(g1.stdout));
    const g2 = new GodotClient(two.url);
    godots.push(g2);
    await until('Godot 2 to connect', () => /^CONNECTED \d+$/m.test(g2.stdout));
    const id1 = Number(/^CONNECTED (\d+)$/m.exec(g1.stdout)![1]);
    const id2 = Number(/^CONNECTED (\d+)$/m.exec(g2.stdout)![1]);
    expect(id1).not.toBe(id2);
    await until('each Godot to hear of the other', () => g1.said(`PEER_CONNECTED ${id2}`) && g2.said(`PEER_CONNECTED ${id1}`));
    expect(one.server.getPeers()).toEqual([id1, id2]);
    expect(two.server.getPeers()).toEqual([id1, id2]);

    // Godot 1 → Godot 2 across the nodes (targeted, then broadcast), and Godot 2 → Godot 1.
    command(one.server, id1, `send ${id2} one-to-two`);
    command(one.server, id1, 'send 0 one-to-all');
    command(two.server, id2, `send ${id1} two-to-one`);
    // (Commands arrive as packets from 1; the packets between the Godots come from their ids.)
    await until('the packets across', () => g2.lines(`PACKET ${id1} `).length === 2 && g1.lines(`PACKET ${id2} `).length === 1);
    expect(g2.lines(`PACKET ${id1} `)).toEqual([`PACKET ${id1} one-to-two`, `PACKET ${id1} one-to-all`]);
    expect(g1.lines(`PACKET ${id2} `)).toEqual([`PACKET ${id2} two-to-one`]);
    // A broadcast reaches the application of the sender's own server only (1 is "my server").
    expect(received.get(one.server)).toEqual([`${id1}>one-to-all`]);
    expect(received.get(two.server)).toEqual([]);
    // A server's packet to another node's Godot client.
    one.server.setTargetPeer(id2);
    expect(one.server.putPacket(encoder.encode('from node one'))).toBe(ErrorCode.OK);
    await until('the server packet across', () => g2.said('PACKET 1 from node one'));

    // Godot 1 quits: Godot 2, on the other node, hears it leave.
    command(one.server, id1, 'quit');
    await until('Godot 2 to hear Godot 1 leave', () => g2.said(`PEER_DISCONNECTED ${id1}`));
    expect(await g1.exited).toBe(0);
    expect(two.server.getPeers()).toEqual([id2]);
    expect(g1.stderr + g2.stderr).not.toMatch(/SCRIPT ERROR/);
  }, 60_000);
});
