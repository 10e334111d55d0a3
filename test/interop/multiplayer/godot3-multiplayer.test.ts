// Interop with real Godot 3 (Debian's godot3-server, 3.2.3) on Godot 3's multiplayer wire
// protocol: mp-peer.gd runs WebSocketServer.listen(port, [], true) or
// WebSocketClient.connect_to_url(url, [], true) as a NetworkedMultiplayerPeer, prints what it
// sees, and obeys "send <target> <text>" / "quit" packets. A Godot server with rxpeer clients;
// rxpeer servers (WebSocketMultiplayerPeer, and Godot 3's API with gdMpApi) with a Godot client
// and an rxpeer client. Every wait is bounded; a failure shows both sides' transcripts.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { join as joinPath } from 'node:path';
import { ConnectionStatus, ErrorCode, WebSocketMultiplayerPeer, WebSocketServer } from 'rxpeer';
import { nextTurn } from '../../helpers/multiplayer';

const GODOT = 'godot3-server';
const SCRIPT = joinPath(__dirname, 'mp-peer.gd');
const HOST = '127.0.0.1';
const WAIT_MS = 10_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The version godot3-server prints (it exits with 255 after --version), or null when it is missing. */
function godotVersion(): string | null {
  const result = spawnSync(GODOT, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.error === undefined && /^3\./.test(result.stdout) ? result.stdout.trim() : null;
}

const version = godotVersion();

/** Both sides' transcripts, for failure messages. */
class Transcript {
  readonly lines: string[] = [];
  godot: GodotPeer | null = null;
  add(line: string): void {
    this.lines.push(line);
  }
  toString(): string {
    return `rxpeer:\n  ${this.lines.join('\n  ')}\ngodot3 stdout:\n  ${this.godot?.stdout.trimEnd().split('\n').join('\n  ') ?? ''}\ngodot3 stderr:\n  ${this.godot?.stderr.trimEnd().split('\n').join('\n  ') ?? ''}`;
  }
}

/** mp-peer.gd in a headless Godot 3. */
class GodotPeer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  stdout = '';
  stderr = '';

  constructor(args: string[]) {
    this.child = spawn(GODOT, ['--no-window', '-s', SCRIPT, '--', ...args], { env: { ...process.env, LANG: 'en_US.UTF-8' } });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((done) => this.child.once('exit', (code) => done(code)));
  }

  lines(prefix: string): string[] {
    return this.stdout.split('\n').filter((line) => line.startsWith(prefix));
  }

  kill(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }
}

interface MultiplayerSide {
  poll(): void;
  setTargetPeer(id: number): void;
  putPacket(data: Uint8Array): ErrorCode;
  getPacketPeer(): number;
  getPacket(): Uint8Array;
  on(name: string, listener: (...args: number[]) => void): unknown;
}

/** An rxpeer side whose signals and packets are recorded as "+id", "-id", "ok", "lost", "from>text". */
class RxSide {
  readonly events: string[] = [];
  constructor(
    readonly name: string,
    readonly peer: MultiplayerSide,
    transcript: Transcript,
  ) {
    const add = (event: string): void => {
      this.events.push(event);
      transcript.add(`${name}: ${event}`);
    };
    peer.on('peer_connected', (id) => add(`+${id}`));
    peer.on('peer_disconnected', (id) => add(`-${id}`));
    peer.on('connection_succeeded', () => add('ok'));
    peer.on('connection_failed', () => add('failed'));
    peer.on('server_disconnected', () => add('lost'));
    peer.on('peer_packet', () => {
      const from = peer.getPacketPeer();
      add(`${from}>${decoder.decode(peer.getPacket())}`);
    });
  }

  send(target: number, message: string): ErrorCode {
    this.peer.setTargetPeer(target);
    return this.peer.putPacket(encoder.encode(message));
  }

  packets(): string[] {
    return this.events.filter((e) => e.includes('>'));
  }
}

const describeGodot = version === null ? describe.skip : describe;
if (version === null) {
  // Fail loudly rather than pass without interop: .ci/run installs godot3-server.
  it('needs godot3-server (apt-get install godot3-server; .ci/run installs it)', () => {
    throw new Error(`${GODOT} was not found on PATH`);
  });
}

describeGodot(`Godot 3 multiplayer interop (${version ?? 'no godot3-server'})`, () => {
  let transcript: Transcript;
  let godot: GodotPeer | null;
  let rxSides: RxSide[];
  let closers: (() => void)[];

  beforeEach(() => {
    transcript = new Transcript();
    godot = null;
    rxSides = [];
    closers = [];
  });
  afterEach(async () => {
    closers.forEach((close) => close());
    await godot?.kill();
  });

  function startGodot(args: string[]): GodotPeer {
    godot = new GodotPeer(args);
    transcript.godot = godot;
    return godot;
  }

  /** Polls every rxpeer side each event-loop turn until `done()` holds. */
  async function until(what: string, done: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      for (const side of rxSides) side.peer.poll();
      if (done()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${transcript}`);
      await nextTurn();
    }
  }

  const godotSaid = (line: string): boolean => godot!.stdout.split('\n').includes(line);

  function rxClient(name: string): RxSide & { peer: WebSocketMultiplayerPeer } {
    const peer = new WebSocketMultiplayerPeer();
    closers.push(() => peer.close());
    const side = new RxSide(name, peer, transcript) as RxSide & { peer: WebSocketMultiplayerPeer };
    rxSides.push(side);
    return side;
  }

  it('a Godot 3 server (WebSocketServer.listen(port, [], true)) with two rxpeer clients', async () => {
    const firstPort = 20_000 + Math.floor(Math.random() * 30_000);
    startGodot(['server', String(firstPort), '50']);
    await until('Godot to listen', () => /LISTENING \d+/.test(godot!.stdout));
    const port = Number(/LISTENING (\d+)/.exec(godot!.stdout)![1]);
    const url = `ws://${HOST}:${port}/`;
    const a = rxClient('a');
    const b = rxClient('b');
    expect(a.peer.createClient(url)).toBe(ErrorCode.OK);
    await until('a to connect', () => a.peer.getConnectionStatus() === ConnectionStatus.CONNECTED);
    expect(b.peer.createClient(url)).toBe(ErrorCode.OK);
    await until('both to know each other', () => a.events.length === 3 && b.events.length === 3);
    const [ia, ib] = [a.peer.getUniqueId(), b.peer.getUniqueId()];
    expect(a.events).toEqual(['+1', 'ok', `+${ib}`]);
    expect(b.events).toEqual(['+1', 'ok', `+${ia}`]);
    await until('Godot to see both', () => godotSaid(`PEER_CONNECTED ${ia}`) && godotSaid(`PEER_CONNECTED ${ib}`));

    // rxpeer → Godot, and rxpeer → rxpeer relayed by Godot: targeted, broadcast, exclude-one.
    expect(a.send(ib, 'a-b')).toBe(ErrorCode.OK);
    expect(a.send(0, 'a-all')).toBe(ErrorCode.OK);
    expect(a.send(-ib, 'a-not-b')).toBe(ErrorCode.OK);
    expect(b.send(1, 'b-server')).toBe(ErrorCode.OK);
    // Godot's stdout may lag behind the packets it relayed: await its lines too.
    await until('the relayed packets', () => b.packets().length === 2 && godotSaid(`PACKET ${ib} b-server`) && godotSaid(`PACKET ${ia} a-not-b`));
    expect(b.packets()).toEqual([`${ia}>a-b`, `${ia}>a-all`]);
    // One sender's packets keep their order; a's and b's may interleave.
    expect(godot!.lines(`PACKET ${ia} `)).toEqual([`PACKET ${ia} a-all`, `PACKET ${ia} a-not-b`]);
    expect(godot!.lines(`PACKET ${ib} `)).toEqual([`PACKET ${ib} b-server`]);

    // Godot → rxpeer: targeted, broadcast, exclude-one (commands sent to the server, id 1).
    expect(a.send(1, `send ${ib} g-b`)).toBe(ErrorCode.OK);
    expect(a.send(1, 'send 0 g-all')).toBe(ErrorCode.OK);
    expect(a.send(1, `send -${ib} g-not-b`)).toBe(ErrorCode.OK);
    await until('Godot’s packets', () => a.packets().length === 2 && b.packets().length === 4 && godotSaid(`SENT -${ib} 0`));
    expect(a.packets()).toEqual(['1>g-all', '1>g-not-b']);
    expect(b.packets().slice(2)).toEqual(['1>g-b', '1>g-all']);
    expect(godot!.lines('SENT')).toEqual([`SENT ${ib} 0`, 'SENT 0 0', `SENT -${ib} 0`]);

    // a leaves: Godot and b hear it. Then Godot quits: b loses its server.
    a.peer.close();
    await until('a to leave', () => godotSaid(`PEER_DISCONNECTED ${ia}`) && b.events.includes(`-${ia}`));
    expect(b.send(1, 'quit')).toBe(ErrorCode.OK);
    await until('Godot to quit', () => b.events.includes('lost'));
    expect(b.events.slice(-2)).toEqual(['-1', 'lost']);
    expect(await godot!.exited).toBe(0);
  });

  describe.each([
    ['WebSocketMultiplayerPeer', 'godot4-api'],
    ['WebSocketServer.listen(port, [], true)', 'godot3-api'],
  ])('an rxpeer server (%s) with a Godot 3 client and an rxpeer client', (_name, kind) => {
    it('joins, targeted and broadcast packets both ways, relay, leave', async () => {
      let server: RxSide;
      let port: number;
      if (kind === 'godot4-api') {
        const peer = new WebSocketMultiplayerPeer();
        closers.push(() => peer.close());
        expect(peer.createServer(0, HOST)).toBe(ErrorCode.OK);
        expect(await peer.ready()).toBe(ErrorCode.OK);
        port = peer.getLocalPort();
        server = new RxSide('server', peer as unknown as MultiplayerSide, transcript);
      } else {
        const peer = new WebSocketServer();
        closers.push(() => peer.stop());
        peer.bindIp = HOST;
        expect(peer.listen(0, [], true)).toBe(ErrorCode.OK);
        expect(await peer.ready()).toBe(ErrorCode.OK);
        port = peer.getLocalPort();
        server = new RxSide('server', peer as unknown as MultiplayerSide, transcript);
      }
      rxSides.push(server);
      const url = `ws://${HOST}:${port}/`;
      startGodot(['client', url]);
      await until('the Godot client to connect', () => /^CONNECTED \d+$/m.test(godot!.stdout) && server.events.length === 1);
      const ig = Number(/^CONNECTED (\d+)$/m.exec(godot!.stdout)![1]);
      expect(server.events).toEqual([`+${ig}`]);
      expect(godot!.lines('PEER_CONNECTED')).toEqual(['PEER_CONNECTED 1']);

      const b = rxClient('b');
      expect(b.peer.createClient(url)).toBe(ErrorCode.OK);
      await until('b to connect and Godot to hear of b', () => b.events.length === 3 && /PEER_CONNECTED \d{2,}/.test(godot!.stdout));
      const ib = b.peer.getUniqueId();
      expect(b.events).toEqual(['+1', 'ok', `+${ig}`]);
      expect(godot!.lines('PEER_CONNECTED')).toEqual(['PEER_CONNECTED 1', `PEER_CONNECTED ${ib}`]);

      // rxpeer server → Godot (targeted), server broadcast and exclude-one.
      expect(server.send(ig, 'server-g')).toBe(ErrorCode.OK);
      expect(server.send(0, 'server-all')).toBe(ErrorCode.OK);
      expect(server.send(-ig, 'server-not-g')).toBe(ErrorCode.OK);
      // rxpeer client → Godot, relayed by the rxpeer server.
      expect(b.send(ig, 'b-g')).toBe(ErrorCode.OK);
      await until('Godot to get its packets', () => godot!.lines('PACKET').length === 3 && b.packets().length === 2);
      expect(godot!.lines('PACKET')).toEqual(['PACKET 1 server-g', 'PACKET 1 server-all', `PACKET ${ib} b-g`]);
      expect(b.packets()).toEqual(['1>server-all', '1>server-not-g']);

      // Godot → rxpeer: to the server, to b (relayed), broadcast, and everyone but the server.
      expect(server.send(ig, 'send 1 g-server')).toBe(ErrorCode.OK);
      expect(server.send(ig, `send ${ib} g-b`)).toBe(ErrorCode.OK);
      expect(server.send(ig, 'send 0 g-all')).toBe(ErrorCode.OK);
      expect(server.send(ig, 'send -1 g-not-server')).toBe(ErrorCode.OK);
      await until('Godot’s packets', () => server.packets().length === 2 && b.packets().length === 5);
      expect(server.packets()).toEqual([`${ig}>g-server`, `${ig}>g-all`]);
      expect(b.packets().slice(2)).toEqual([`${ig}>g-b`, `${ig}>g-all`, `${ig}>g-not-server`]);

      // b leaves: Godot hears it. Then Godot quits: the server and nobody else notices.
      b.peer.close();
      await until('b to leave', () => godotSaid(`PEER_DISCONNECTED ${ib}`) && server.events.includes(`-${ib}`));
      expect(server.send(ig, 'quit')).toBe(ErrorCode.OK);
      await until('Godot to leave', () => server.events.includes(`-${ig}`));
      expect(await godot!.exited).toBe(0);
      expect(godot!.stderr).not.toMatch(/ERROR|SCRIPT ERROR/);
    });
  });
});
