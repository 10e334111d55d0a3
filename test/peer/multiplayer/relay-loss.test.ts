// The relay under load over real sockets: every client broadcasts a burst while the
// server's outbound limits are small. Whatever a client's connection cannot take is
// dropped and counted (getDroppedPacketCount, packets_dropped); nothing is lost unseen:
// delivered + dropped = sent. Control messages (ID, ADD, DEL) are never dropped, so every
// client ends with the full peer list.
import { ConnectionStatus, ErrorCode } from 'rxpeer';
import { join, type Player, SocketWorld } from '../../helpers/multiplayer';

const CLIENTS = 40;
const BURST = 20;

describe('the relay under load', () => {
  let world: SocketWorld;
  beforeEach(() => {
    world = new SocketWorld();
  });
  afterEach(() => world.cleanUp());

  it('reports every packet it drops and never drops a join', async () => {
    const server = world.player('server', { readPackets: false });
    server.peer.maxQueuedPackets = 8; // small, so the bursts overflow
    const reported: number[] = [];
    server.peer.on('packets_dropped', (count) => reported.push(count));
    const url = await world.serve(server);
    const clients: Player[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const client = world.player(`c${i}`);
      clients.push(client);
      await join(world, client, url);
    }
    await world.until('every client to know every other', () => clients.every((c) => c.peer.getPeers().length === CLIENTS));
    const payload = new Uint8Array(16);
    for (const client of clients) {
      client.peer.setTargetPeer(0);
      for (let i = 0; i < BURST; i++) expect(client.peer.putPacket(payload)).toBe(ErrorCode.OK);
    }
    const sent = CLIENTS * BURST * (CLIENTS - 1); // each burst packet goes to every other client
    const delivered = (): number => clients.reduce((sum, c) => sum + c.packets.length, 0);
    await world.until('every packet delivered or reported', () => delivered() + server.peer.getDroppedPacketCount() === sent, 15000);
    await world.settle();
    expect(delivered() + server.peer.getDroppedPacketCount()).toBe(sent);
    expect(server.peer.getDroppedPacketCount()).toBeGreaterThan(0);
    expect(reported.reduce((a, b) => a + b, 0)).toBe(server.peer.getDroppedPacketCount());

    // A latecomer is announced to everyone, and everyone to it, with the limits still small.
    const late = world.player('late');
    await join(world, late, url);
    await world.until(
      'everyone to know the latecomer, and it everyone',
      () => late.peer.getPeers().length === CLIENTS + 1 && clients.every((c) => c.peer.getPeers().length === CLIENTS + 1),
    );
    expect(late.peer.getConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
  });
});
