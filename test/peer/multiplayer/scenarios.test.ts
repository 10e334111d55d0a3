// One server and three clients, the same scenarios twice: over the in-memory network with a
// manual clock (deterministic, virtual time) and over real sockets on 127.0.0.1. Targeted,
// broadcast and exclude-one packets, relaying between clients, join/leave order, a client
// killed mid-game, and every kind of bad input. A failure prints every side's transcript.
import { ConnectionStatus, ErrorCode, State, TLSOptions, WebSocketMultiplayerPeer } from 'rxpeer';
import { encodeId, encodeMessage, encodeSystemMessage, MessageType } from '../../../src/peer/multiplayer/wire-format';
import { join, MemoryWorld, type Player, SocketWorld, text, type World } from '../../helpers/multiplayer';

describe.each([
  ['memory', (): World => new MemoryWorld()],
  ['sockets', (): World => new SocketWorld()],
])('WebSocketMultiplayerPeer over %s', (_name, makeWorld) => {
  let world: World;
  beforeEach(() => {
    world = makeWorld();
  });
  afterEach(() => world.cleanUp());

  /** A server and three clients that joined in the order a, b, c. */
  async function game(): Promise<{ url: string; server: Player; a: Player; b: Player; c: Player }> {
    const server = world.player('server');
    const url = await world.serve(server);
    const [a, b, c] = [world.player('a'), world.player('b'), world.player('c')];
    for (const client of [a, b, c]) await join(world, client, url);
    // Everyone has heard of everyone.
    await world.until('every client to know the others', () => [a, b, c].every((p) => p.peer.getPeers().length === 3));
    return { url, server, a, b, c };
  }

  describe('joining', () => {
    it('gives each client a unique id and announces joins in order', async () => {
      const { server, a, b, c } = await game();
      expect(server.id).toBe(1);
      expect(server.peer.isServer()).toBe(true);
      expect(a.peer.isServer()).toBe(false);
      const ids = [a.id, b.id, c.id];
      expect(new Set(ids).size).toBe(3);
      for (const id of ids) expect(id).toBeGreaterThanOrEqual(2);
      expect(server.events).toEqual([`+${a.id}`, `+${b.id}`, `+${c.id}`]);
      // The server first, then the ones already there, then the ones who came later.
      expect(a.events).toEqual(['+1', 'ok', `+${b.id}`, `+${c.id}`]);
      expect(b.events).toEqual(['+1', 'ok', `+${a.id}`, `+${c.id}`]);
      expect(c.events).toEqual(['+1', 'ok', `+${a.id}`, `+${b.id}`]);
      expect(server.peer.getPeers()).toEqual(ids);
      expect(c.peer.getPeers()).toEqual([1, a.id, b.id]);
      for (const client of [a, b, c]) expect(client.peer.getConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
      expect(server.peer.getConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
    });

    it('knows each peer connection, address and port', async () => {
      const { server, a } = await game();
      const ws = server.peer.getPeer(a.id)!;
      expect(ws.getReadyState()).toBe(State.OPEN);
      expect(server.peer.getPeerAddress(a.id)).toBe(ws.getConnectedHost());
      expect(server.peer.getPeerPort(a.id)).toBe(ws.getConnectedPort());
      expect(a.peer.getPeer(1)!.getReadyState()).toBe(State.OPEN);
      expect(a.peer.getPeer(999)).toBeNull();
      expect(server.peer.getPeer(999)).toBeNull();
      expect(server.peer.getPeerAddress(999)).toBe('');
      expect(server.peer.getPeerPort(999)).toBe(0);
      if (world.name === 'sockets') expect(server.peer.getPeerAddress(a.id)).toMatch(/127\.0\.0\.1/);
    });
  });

  describe('server → clients', () => {
    it('sends to one client (> 0), everyone (0), everyone but one (< 0)', async () => {
      const { server, a, b, c } = await game();
      expect(server.send(b.id, 'to-b')).toBe(ErrorCode.OK);
      expect(server.send(0, 'all')).toBe(ErrorCode.OK);
      expect(server.send(-b.id, 'not-b')).toBe(ErrorCode.OK);
      await world.until('the packets', () => a.packets.length === 2 && b.packets.length === 2 && c.packets.length === 2);
      await world.settle();
      expect(a.received()).toEqual(['1>all', '1>not-b']);
      expect(b.received()).toEqual(['1>to-b', '1>all']);
      expect(c.received()).toEqual(['1>all', '1>not-b']);
      expect(server.received()).toEqual([]);
    });
  });

  describe('relay between clients', () => {
    it('delivers a targeted packet to that client only, from the sender', async () => {
      const { server, a, b, c } = await game();
      expect(a.send(b.id, 'a-b')).toBe(ErrorCode.OK);
      expect(c.send(1, 'c-server')).toBe(ErrorCode.OK);
      await world.until('the packets', () => b.packets.length === 1 && server.packets.length === 1);
      await world.settle();
      expect(b.received()).toEqual([`${a.id}>a-b`]);
      expect(server.received()).toEqual([`${c.id}>c-server`]);
      expect(a.received()).toEqual([]);
      expect(c.received()).toEqual([]);
    });

    it('broadcasts (0) to the server and every other client', async () => {
      const { server, a, b, c } = await game();
      expect(a.send(0, 'hello')).toBe(ErrorCode.OK);
      await world.until('the broadcast', () => [server, b, c].every((p) => p.packets.length === 1));
      await world.settle();
      for (const p of [server, b, c]) expect(p.received()).toEqual([`${a.id}>hello`]);
      expect(a.received()).toEqual([]);
    });

    it('excludes one peer (< 0), the server included (-1)', async () => {
      const { server, a, b, c } = await game();
      expect(a.send(-b.id, 'not-b')).toBe(ErrorCode.OK);
      expect(a.send(-1, 'not-server')).toBe(ErrorCode.OK);
      await world.until('the packets', () => server.packets.length === 1 && b.packets.length === 1 && c.packets.length === 2);
      await world.settle();
      expect(server.received()).toEqual([`${a.id}>not-b`]);
      expect(b.received()).toEqual([`${a.id}>not-server`]);
      expect(c.received()).toEqual([`${a.id}>not-b`, `${a.id}>not-server`]);
    });

    it('keeps the order of one sender’s packets', async () => {
      const { a, b } = await game();
      const sent = Array.from({ length: 50 }, (_, i) => `m${i}`);
      for (const message of sent) expect(a.send(b.id, message)).toBe(ErrorCode.OK);
      await world.until('50 packets', () => b.packets.length === 50);
      expect(b.packets.map((p) => p.text)).toEqual(sent);
    });
  });

  describe('leaving', () => {
    it('announces a clean leave to everyone, and a newcomer never hears of the one who left', async () => {
      const { url, server, a, b, c } = await game();
      b.peer.disconnectPeer(1); // a clean close from the client
      await world.until('b to be gone', () => [server, a, c].every((p) => p.events.includes(`-${b.id}`)) && b.events.includes('lost'));
      expect(server.events.slice(-1)).toEqual([`-${b.id}`]);
      expect(a.events.slice(-1)).toEqual([`-${b.id}`]);
      expect(b.events.slice(-4)).toEqual([`-${a.id}`, `-${c.id}`, '-1', 'lost']);
      expect(b.peer.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
      expect(b.peer.getUniqueId()).toBe(0);
      const d = world.player('d');
      await join(world, d, url);
      await world.until('d to know a and c', () => d.peer.getPeers().length === 3);
      expect(d.events).toEqual(['+1', 'ok', `+${a.id}`, `+${c.id}`]);
      expect(server.peer.getPeers()).toEqual([a.id, c.id, d.id]);
    });

    it('removes a client killed mid-game and tells the others', async () => {
      const { server, a, b, c } = await game();
      expect(a.send(c.id, 'before')).toBe(ErrorCode.OK);
      await world.until('c to get the packet', () => c.packets.length === 1);
      world.kill(c);
      await world.until('c to be gone everywhere', () => [server, a, b].every((p) => p.events.includes(`-${c.id}`)));
      expect(server.peer.getPeers()).toEqual([a.id, b.id]);
      expect(a.peer.getPeers()).toEqual([1, b.id]);
      // c is unknown now: targeting it is refused, and the others go on.
      expect(a.send(c.id, 'after')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(server.send(c.id, 'after')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(a.send(b.id, 'still here')).toBe(ErrorCode.OK);
      await world.until('b to get the packet', () => b.packets.length === 1);
      expect(b.received()).toEqual([`${a.id}>still here`]);
      // The killed client itself saw its server go.
      await world.until('c to notice', () => c.events.includes('lost'));
      expect(c.events.slice(-4)).toEqual([`-${a.id}`, `-${b.id}`, '-1', 'lost']);
    });

    it('closing the server disconnects every client, each hearing every peer leave', async () => {
      const { server, a, b, c } = await game();
      server.peer.close();
      expect(server.peer.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
      expect(server.peer.getUniqueId()).toBe(0);
      await world.until('every client to lose the server', () => [a, b, c].every((p) => p.events.includes('lost')));
      expect(a.events.slice(-4)).toEqual([`-${b.id}`, `-${c.id}`, '-1', 'lost']);
      expect(server.events).toEqual([`+${a.id}`, `+${b.id}`, `+${c.id}`]); // close() emits nothing
    });

    it('disconnectPeer: a clean close (1000), or at once with force', async () => {
      const { server, a, b, c } = await game();
      const aSocket = a.peer.getPeer(1)!;
      expect(server.peer.disconnectPeer(a.id)).toBe(ErrorCode.OK);
      await world.until('a to be gone', () => a.events.includes('lost') && server.events.includes(`-${a.id}`));
      expect(aSocket.getCloseCode()).toBe(1000);
      expect(server.peer.disconnectPeer(b.id, true)).toBe(ErrorCode.OK);
      expect(server.peer.getPeers()).toEqual([c.id]); // gone at once ...
      expect(server.events).not.toContain(`-${b.id}`); // ... its signal in the next poll()
      await world.until('b to be gone', () => server.events.includes(`-${b.id}`) && c.events.includes(`-${b.id}`) && b.events.includes('lost'));
      expect(server.peer.disconnectPeer(b.id)).toBe(ErrorCode.ERR_DOES_NOT_EXIST);
      expect(c.peer.disconnectPeer(a.id)).toBe(ErrorCode.ERR_DOES_NOT_EXIST);
    });

    it('getPeer(id) still answers inside a peer_disconnected listener', async () => {
      const { server, a } = await game();
      const seen: (State | null)[] = [];
      server.peer.on('peer_disconnected', (id) => seen.push(server.peer.getPeer(id)?.getReadyState() ?? null));
      a.peer.close();
      await world.until('a to be gone', () => seen.length === 1);
      expect(seen[0]).not.toBeNull();
      expect(server.peer.getPeer(a.id)).toBeNull();
    });
  });

  describe('bad input', () => {
    it('refuses a listener for a signal it never emits (a typo would never fire) and registers nothing', () => {
      const peer = new WebSocketMultiplayerPeer();
      expect(() => peer.on('peer_conected' as never, () => {})).toThrow(
        new TypeError(
          'on: unknown signal "peer_conected" (signals: peer_connected, peer_disconnected, peer_packet, connection_succeeded, connection_failed, server_disconnected, packets_dropped)',
        ),
      );
      expect(() => peer.off('packet' as never, () => {})).toThrow(/off: unknown signal "packet"/);
      expect(() => peer.on('packets_dropped', () => {})).not.toThrow();
    });

    it('drops a packet with a spoofed sender and disconnects the sender (1008)', async () => {
      const { server, a, b, c } = await game();
      const socket = a.peer.getPeer(1)!;
      // a writes a Godot 3 message claiming to come from b.
      expect(socket.putPacket(encodeMessage(MessageType.DATA, b.id, 0, text('spoofed')))).toBe(ErrorCode.OK);
      await world.until('a to be disconnected', () => [server, b, c].every((p) => p.events.includes(`-${a.id}`)) && a.events.includes('lost'));
      await world.settle();
      for (const p of [server, b, c]) expect(p.received()).toEqual([]);
      expect(socket.getCloseCode()).toBe(1008);
      expect(socket.getCloseReason()).toBe(`Spoofed sender id ${b.id} (yours is ${a.id})`);
    });

    it.each([
      ['a message shorter than the header', new Uint8Array([0, 1, 2]), /shorter than the 9-byte header/],
      ['a system message from a client', encodeSystemMessage(MessageType.ADD, 5), /Only the server sends ADD messages/],
      ['an unknown message type', new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 0]), /type 9/],
    ])('closes a client that sends %s (1002, saying why)', async (_what, message, reason) => {
      const { server, a } = await game();
      const socket = a.peer.getPeer(1)!;
      expect(socket.putPacket(message)).toBe(ErrorCode.OK);
      await world.until('a to be disconnected', () => server.events.includes(`-${a.id}`) && a.events.includes('lost'));
      expect(socket.getCloseCode()).toBe(1002);
      expect(socket.getCloseReason()).toMatch(reason);
    });

    it('refuses an unknown target, the peer itself and non-bytes with ERR_INVALID_PARAMETER', async () => {
      const { server, a } = await game();
      expect(server.send(999, 'x')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(server.send(1, 'x')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(a.send(999, 'x')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(a.send(a.id, 'x')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(server.send(-999, 'excluding nobody')).toBe(ErrorCode.OK);
      expect(a.peer.putPacket('text' as unknown as Uint8Array)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    });

    it('refuses putPacket with ERR_UNCONFIGURED unless connected', async () => {
      const fresh = world.player('fresh');
      expect(fresh.send(0, 'x')).toBe(ErrorCode.ERR_UNCONFIGURED);
      const server = world.player('server');
      const url = await world.serve(server);
      const client = world.player('client');
      expect(client.peer.createClient(url)).toBe(ErrorCode.OK);
      expect(client.send(1, 'too early')).toBe(ErrorCode.ERR_UNCONFIGURED); // CONNECTING
      server.peer.close();
      expect(server.send(0, 'x')).toBe(ErrorCode.ERR_UNCONFIGURED);
    });

    it('refuses a second createServer/createClient and bad arguments', async () => {
      const server = world.player('server');
      await world.serve(server);
      expect(server.peer.createServer(0)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      expect(server.peer.createClient('ws://127.0.0.1:1/')).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      const client = world.player('client');
      expect(client.peer.createClient('http://127.0.0.1:1/')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(client.peer.createClient('')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(client.peer.createClient('ws://127.0.0.1:1/', TLSOptions.server('key', 'cert'))).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(client.peer.createServer(0, '*', TLSOptions.client())).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      client.peer.supportedProtocols = ['not a token'];
      expect(client.peer.createClient('ws://127.0.0.1:1/')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(client.peer.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
    });

    it('fails a connection that is refused (connection_failed)', async () => {
      const server = world.player('server');
      const url = await world.serve(server);
      server.peer.close();
      const client = world.player('client');
      expect(client.peer.createClient(url)).toBe(ErrorCode.OK);
      await world.until('the connection to fail', () => client.events.includes('failed'));
      expect(client.events).toEqual(['failed']);
      expect(client.peer.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
    });

    it('drops a pending connection that does not finish its handshake within handshakeTimeout', async () => {
      const server = world.player('server');
      server.peer.handshakeTimeout = 0.3;
      const url = await world.serve(server);
      const a = world.player('a');
      await join(world, a, url);
      const silent = await world.halfOpen(url);
      await world.elapse(100);
      expect(silent.dropped()).toBe(false);
      await world.until('the half-open connection to be dropped', () => silent.dropped());
      expect(server.events).toEqual([`+${a.id}`]); // no signal for it
      // The established client was never affected.
      expect(a.send(1, 'fine')).toBe(ErrorCode.OK);
      await world.until('the packet', () => server.packets.length === 1);
    });

    it('gives up (connection_failed) when the server never sends an id within handshakeTimeout', async () => {
      const raw = await world.rawServer();
      const client = world.player('client');
      client.peer.handshakeTimeout = 0.3;
      expect(client.peer.createClient(raw.url)).toBe(ErrorCode.OK);
      await raw.next(); // the WebSocket opens, but no ID follows
      await world.elapse(100);
      expect(client.peer.getConnectionStatus()).toBe(ConnectionStatus.CONNECTING);
      await world.until('the client to give up', () => client.events.includes('failed'));
      expect(client.events).toEqual(['failed']);
    });

    it.each([
      ['an ID message with id 1', encodeSystemMessage(MessageType.ID, 1), 'Invalid ID received from server: 1'],
      ['ADD(1) before any ID', encodeSystemMessage(MessageType.ADD, 1), 'ADD(1) came before the ID message'],
      ['a truncated header', new Uint8Array([3, 1, 0]), 'Invalid multiplayer message: 3 bytes, shorter than the 9-byte header'],
      ['an ID without its id', encodeMessage(MessageType.ID, 1, 0, new Uint8Array([7])), 'Invalid ID message: 1-byte payload, expected a 4-byte id'],
    ])('closes with 1002 and a clear reason on a malformed handshake (godot3: %s)', async (_what, message, reason) => {
      const raw = await world.rawServer();
      const client = world.player('client');
      expect(client.peer.createClient(raw.url)).toBe(ErrorCode.OK);
      const connection = await raw.next();
      connection.send(message);
      expect(await connection.closed()).toEqual({ code: 1002, reason });
      await world.until('connection_failed', () => client.events.includes('failed'));
      expect(client.events).toEqual(['failed']);
    });

    it.each([
      ['3 bytes', new Uint8Array([2, 0, 0]), 'Invalid ID received from server: 3 bytes, expected 4'],
      ['id 1', encodeId(1), 'Invalid ID received from server: 1 (must be at least 2)'],
      ['a negative id', encodeId(-7), 'Invalid ID received from server: -7 (must be at least 2)'],
    ])('closes with 1002 and a clear reason on a malformed handshake (godot4: %s)', async (_what, message, reason) => {
      const raw = await world.rawServer();
      const client = world.player('client', { format: 'godot4' });
      expect(client.peer.createClient(raw.url)).toBe(ErrorCode.OK);
      const connection = await raw.next();
      connection.send(message);
      expect(await connection.closed()).toEqual({ code: 1002, reason });
      await world.until('connection_failed', () => client.events.includes('failed'));
    });

    it('refuses new connections while refuseNewConnections is set', async () => {
      const server = world.player('server');
      const url = await world.serve(server);
      const a = world.player('a');
      await join(world, a, url);
      server.peer.refuseNewConnections = true;
      const b = world.player('b');
      expect(b.peer.createClient(url)).toBe(ErrorCode.OK);
      await world.until('b to be refused', () => b.events.includes('failed'));
      expect(server.events).toEqual([`+${a.id}`]);
      server.peer.refuseNewConnections = false;
      const c = world.player('c');
      await join(world, c, url);
      expect(server.events).toEqual([`+${a.id}`, `+${c.id}`]);
    });
  });

  describe('packets survive the disconnection', () => {
    it('keeps packets that arrived before server_disconnected readable', async () => {
      const server = world.player('server');
      const url = await world.serve(server);
      const a = world.player('a', { readPackets: false });
      await join(world, a, url);
      server.send(a.id, 'one');
      server.send(a.id, 'two');
      await world.until('the packets', () => a.peer.getAvailablePacketCount() === 2);
      server.peer.close();
      await world.until('a to lose the server', () => a.events.includes('lost'));
      expect(a.peer.getAvailablePacketCount()).toBe(2);
      expect(a.peer.getPacketPeer()).toBe(1);
      expect(new TextDecoder().decode(a.peer.getPacket())).toBe('one');
      expect(a.peer.getPacketError()).toBe(ErrorCode.OK);
      expect(new TextDecoder().decode(a.peer.getPacket())).toBe('two');
      expect(a.peer.getPacket()).toEqual(new Uint8Array(0));
      expect(a.peer.getPacketError()).toBe(ErrorCode.ERR_UNAVAILABLE);
      expect(a.peer.getPacketPeer()).toBe(0);
    });
  });

  describe('properties', () => {
    it('applies buffer properties to connections made after they are set', async () => {
      const server = world.player('server');
      const url = await world.serve(server);
      const a = world.player('a');
      await join(world, a, url);
      server.peer.inboundBufferSize = 1000;
      server.peer.outboundBufferSize = 2000;
      server.peer.maxQueuedPackets = 30;
      server.peer.maxQueuedPackets = -1; // ignored, as WebSocketPeer's setter does
      const b = world.player('b');
      await join(world, b, url);
      const before = server.peer.getPeer(a.id)!;
      const after = server.peer.getPeer(b.id)!;
      expect([before.inboundBufferSize, before.outboundBufferSize, before.maxQueuedPackets]).toEqual([65535, 65535, 2048]);
      expect([after.inboundBufferSize, after.outboundBufferSize, after.maxQueuedPackets]).toEqual([1000, 2000, 30]);
      // A message over the outbound limit (header included) is refused by the connection.
      expect(server.send(b.id, 'x'.repeat(1992))).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
    });

    it('has Godot’s defaults', () => {
      const peer = new WebSocketMultiplayerPeer();
      expect(peer.handshakeTimeout).toBe(3);
      expect(peer.inboundBufferSize).toBe(65535);
      expect(peer.outboundBufferSize).toBe(65535);
      expect(peer.maxQueuedPackets).toBe(2048);
      expect(peer.refuseNewConnections).toBe(false);
      expect(peer.wireFormat).toBe('godot3');
      expect(peer.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
      expect(peer.getUniqueId()).toBe(0);
      peer.handshakeTimeout = 0;
      peer.wireFormat = 'bogus' as 'godot3';
      expect([peer.handshakeTimeout, peer.wireFormat]).toEqual([3, 'godot3']);
    });
  });

  describe("Godot 4's bare format (wireFormat 'godot4')", () => {
    it('sends the id as the first message, then raw packets, without relaying', async () => {
      const server = world.player('server', { format: 'godot4' });
      const url = await world.serve(server);
      const a = world.player('a', { format: 'godot4' });
      const b = world.player('b', { format: 'godot4' });
      await join(world, a, url);
      await join(world, b, url);
      expect(a.events).toEqual(['+1', 'ok']); // no ADD messages: a client only knows the server
      expect(a.peer.getPeers()).toEqual([1]);
      expect(server.events).toEqual([`+${a.id}`, `+${b.id}`]);
      expect(server.send(a.id, 'to-a')).toBe(ErrorCode.OK);
      expect(server.send(-a.id, 'not-a')).toBe(ErrorCode.OK);
      expect(a.send(0, 'from-a')).toBe(ErrorCode.OK); // always to the server
      expect(a.send(b.id, 'x')).toBe(ErrorCode.ERR_INVALID_PARAMETER); // no relay
      await world.until('the packets', () => a.packets.length === 1 && b.packets.length === 1 && server.packets.length === 1);
      await world.settle();
      expect(a.received()).toEqual(['1>to-a']);
      expect(b.received()).toEqual(['1>not-a']);
      expect(server.received()).toEqual([`${a.id}>from-a`]);
      // The server's packets arrive without a header.
      const raw = server.peer.getPeer(a.id)!;
      expect(raw.putPacket(text('plain'))).toBe(ErrorCode.OK);
      await world.until('the raw packet', () => a.packets.length === 2);
      expect(a.received()[1]).toBe('1>plain');
      b.peer.close();
      await world.until('b to leave', () => server.events.includes(`-${b.id}`));
      await world.settle();
      expect(a.events.filter((e) => /^[+-]/.test(e))).toEqual(['+1']); // nobody tells a in this format
    });
  });
});
