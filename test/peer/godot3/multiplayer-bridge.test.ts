// Godot 3's API with gd_mp_api = true: WebSocketServer.listen(port, [], true) and
// WebSocketClient.connectToUrl(url, [], true) are NetworkedMultiplayerPeers on Godot 3's
// multiplayer wire protocol, interoperating with WebSocketMultiplayerPeer. Real sockets.
import { ConnectionStatus, ErrorCode, State, WebSocketClient, WebSocketMultiplayerPeer, WebSocketServer } from 'rxpeer';
import { HOST, nextTurn, text } from '../../helpers/multiplayer';

const decoder = new TextDecoder();
let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
});

type Pollable = { poll(): void };

/** Polls every side once per event-loop turn until `done()` holds, failing with the log after 5 s. */
async function until(sides: Pollable[], log: string[], what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    for (const side of sides) side.poll();
    if (done()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log:\n  ${log.join('\n  ')}`);
    await nextTurn();
  }
}

/** Records a Godot 3 peer's multiplayer signals, reading packets as they come. */
function record(
  name: string,
  peer: WebSocketServer | WebSocketClient | WebSocketMultiplayerPeer,
  log: string[],
  inPoll: () => boolean,
): string[] {
  const events: string[] = [];
  const add = (event: string): void => {
    if (!inPoll()) events.push('outside poll()!');
    events.push(event);
    log.push(`${name}: ${event}`);
  };
  const on = peer.on.bind(peer) as (name: string, listener: (...args: number[]) => void) => void;
  on('peer_connected', (id) => add(`+${id}`));
  on('peer_disconnected', (id) => add(`-${id}`));
  on('connection_succeeded', () => add('ok'));
  on('connection_failed', () => add('failed'));
  on('server_disconnected', () => add('lost'));
  on('peer_packet', () => {
    const from = peer.getPacketPeer();
    add(`${from}>${decoder.decode(peer.getPacket())}`);
  });
  return events;
}

describe("Godot 3's WebSocketServer / WebSocketClient with gdMpApi", () => {
  it('a Godot-3-API server with a Godot-3-API client and a WebSocketMultiplayerPeer client', async () => {
    const log: string[] = [];
    let polling = false;
    const inPoll = (): boolean => polling;
    const server = new WebSocketServer();
    server.bindIp = HOST;
    cleanups.push(() => server.stop());
    const serverEvents = record('server', server, log, inPoll);
    // The non-multiplayer signals stay silent in this mode.
    const quiet: string[] = [];
    server.on('client_connected', () => quiet.push('client_connected'));
    server.on('data_received', () => quiet.push('data_received'));
    expect(server.listen(0, [], true)).toBe(ErrorCode.OK);
    expect(server.listen(0, [], true)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
    expect(await server.ready()).toBe(ErrorCode.OK);
    expect(server.isListening()).toBe(true);
    expect(server.getUniqueId()).toBe(1);
    expect(server.getConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
    const url = `ws://${HOST}:${server.getLocalPort()}/`;

    const godot = new WebSocketClient();
    cleanups.push(() => godot.disconnectFromHost(-1));
    const godotEvents = record('godot3 client', godot, log, inPoll);
    expect(godot.connectToUrl(url, [], true)).toBe(ErrorCode.OK);
    expect(godot.getConnectionStatus()).toBe(ConnectionStatus.CONNECTING);
    const modern = new WebSocketMultiplayerPeer();
    cleanups.push(() => modern.close());
    const modernEvents = record('godot4 peer', modern, log, inPoll);
    const sides = [server, godot, modern].map((side) => ({
      poll: () => {
        polling = true;
        try {
          side.poll();
        } finally {
          polling = false;
        }
      },
    }));
    await until(sides, log, 'the Godot 3 client to connect', () => godot.getConnectionStatus() === ConnectionStatus.CONNECTED);
    expect(modern.createClient(url)).toBe(ErrorCode.OK);
    await until(sides, log, 'both to know each other', () => godotEvents.length === 3 && modernEvents.length === 3);
    const [g, m] = [godot.getUniqueId(), modern.getUniqueId()];
    expect(serverEvents).toEqual([`+${g}`, `+${m}`]);
    expect(godotEvents).toEqual(['+1', 'ok', `+${m}`]);
    expect(modernEvents).toEqual(['+1', 'ok', `+${g}`]);
    expect(server.hasPeer(g)).toBe(true);
    expect(server.getPeer(g)!.getReadyState()).toBe(State.OPEN);
    expect(server.getPeerAddress(g)).toBe(HOST);
    expect(godot.getPeer(1)!.getReadyState()).toBe(State.OPEN);

    server.setTargetPeer(g);
    expect(server.putPacket(text('server-g'))).toBe(ErrorCode.OK);
    godot.setTargetPeer(0);
    expect(godot.putPacket(text('g-all'))).toBe(ErrorCode.OK);
    modern.setTargetPeer(g);
    expect(modern.putPacket(text('m-g'))).toBe(ErrorCode.OK);
    await until(sides, log, 'the packets', () => godotEvents.length === 5 && serverEvents.length === 3 && modernEvents.length === 4);
    expect(godotEvents.slice(3).sort()).toEqual([`1>server-g`, `${m}>m-g`].sort());
    expect(serverEvents[2]).toBe(`${g}>g-all`);
    expect(modernEvents[3]).toBe(`${g}>g-all`);

    // A clean disconnect from the Godot 3 client: everyone hears it leave.
    expect(godot.disconnectFromHost()).toBe(ErrorCode.OK);
    await until(sides, log, 'the Godot 3 client to leave', () => serverEvents.includes(`-${g}`) && modernEvents.includes(`-${g}`) && godotEvents.includes('lost'));
    expect(godotEvents.slice(-3)).toEqual([`-${m}`, '-1', 'lost']);
    expect(quiet).toEqual([]);
    expect([...serverEvents, ...godotEvents, ...modernEvents]).not.toContain('outside poll()!');

    // Godot 3's disconnect_peer(id, code, reason) on the server.
    expect(server.disconnectPeer(m, 4000, 'bye')).toBe(ErrorCode.OK);
    const socket = modern.getPeer(1)!;
    await until(sides, log, 'the modern peer to be disconnected', () => modernEvents.includes('lost'));
    expect([socket.getCloseCode(), socket.getCloseReason()]).toEqual([4000, 'bye']);
    server.stop();
    expect(server.isListening()).toBe(false);
    expect(server.putPacket(text('x'))).toBe(ErrorCode.ERR_UNCONFIGURED);
  });

  it('without gdMpApi the NetworkedMultiplayerPeer methods are unconfigured, as in Godot 3', () => {
    const server = new WebSocketServer();
    const client = new WebSocketClient();
    expect(server.putPacket(text('x'))).toBe(ErrorCode.ERR_UNCONFIGURED);
    expect(client.putPacket(text('x'))).toBe(ErrorCode.ERR_UNCONFIGURED);
    expect([server.getAvailablePacketCount(), client.getAvailablePacketCount()]).toEqual([0, 0]);
    expect(client.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
    expect(server.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
  });

  it('a Godot 3 client whose server is gone fails (connection_failed), and disconnecting while connecting is silent', async () => {
    const log: string[] = [];
    const client = new WebSocketClient();
    const events = record('client', client, log, () => true);
    expect(client.connectToUrl(`ws://${HOST}:1/`, [], true)).toBe(ErrorCode.OK);
    await until([client], log, 'connection_failed', () => events.includes('failed'));
    expect(client.connectToUrl(`ws://${HOST}:1/`, [], true)).toBe(ErrorCode.OK);
    expect(client.disconnectFromHost()).toBe(ErrorCode.OK);
    expect(client.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
    for (let i = 0; i < 10; i++) {
      client.poll();
      await nextTurn();
    }
    expect(events).toEqual(['failed']);
  });
});
