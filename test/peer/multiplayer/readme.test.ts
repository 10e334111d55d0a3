// The README's Multiplayer examples, kept true.
import { TestScheduler } from 'rxjs/testing';
import { ConnectionStatus, createMemoryBus, ErrorCode, fromMultiplayerPeer, TargetPeer, WebSocketMultiplayerPeer } from 'rxpeer';
import { createMemoryNetwork } from 'rxpeer/testing';
import { nextTurn } from '../../helpers/multiplayer';

it('README: a whole game in virtual time over createMemoryNetwork()', () => {
  const testScheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  testScheduler.run(({ expectObservable }) => {
    const network = createMemoryNetwork();
    const host = network.createPeer(); // a WebSocketMultiplayerPeer on the network
    host.createServer(8080);
    const player = network.createPeer();
    player.createClient('ws://game:8080');
    expectObservable(fromMultiplayerPeer(player).status$).toBe('(cC)', { c: ConnectionStatus.CONNECTING, C: ConnectionStatus.CONNECTED });
    expectObservable(fromMultiplayerPeer(host).peers$).toBe('(xy)', { x: [], y: [2] });
  });
});

it('README: the polled server relays to everyone but the sender; the client broadcasts on connection_succeeded', async () => {
  const server = new WebSocketMultiplayerPeer();
  server.supportedProtocols = ['ludus'];
  const joined: number[] = [];
  server.on('peer_connected', (id) => joined.push(id));
  expect(server.createServer(0, '127.0.0.1')).toBe(ErrorCode.OK);
  expect(await server.ready()).toBe(ErrorCode.OK);
  const url = `ws://127.0.0.1:${server.getLocalPort()}`;
  const [client, other] = [new WebSocketMultiplayerPeer(), new WebSocketMultiplayerPeer()];
  const heard: string[] = [];
  for (const peer of [other, client]) peer.supportedProtocols = ['ludus'];
  other.on('peer_packet', (from) => heard.push(`${from}:${new TextDecoder().decode(other.getPacket())}`));
  client.on('connection_succeeded', () => {
    client.setTargetPeer(TargetPeer.BROADCAST);
    client.putPacket(new TextEncoder().encode(`hello from ${client.getUniqueId()}`));
  });
  try {
    expect(other.createClient(url)).toBe(ErrorCode.OK);
    const deadline = Date.now() + 5000;
    while (other.getConnectionStatus() !== ConnectionStatus.CONNECTED && Date.now() < deadline) {
      server.poll();
      other.poll();
      await nextTurn();
    }
    expect(client.createClient(url)).toBe(ErrorCode.OK);
    // The relayed broadcast arrives twice at `other`: from the client directly (relayed by the
    // server's wire protocol) and once more from the README's echo loop, which re-sends it.
    while (heard.length < 2 && Date.now() < deadline) {
      server.poll();
      while (server.getAvailablePacketCount() > 0) {
        const from = server.getPacketPeer();
        const packet = server.getPacket();
        server.setTargetPeer(-from);
        server.putPacket(packet);
      }
      client.poll();
      other.poll();
      await nextTurn();
    }
    const id = client.getUniqueId();
    expect(heard).toEqual([`${id}:hello from ${id}`, `1:hello from ${id}`]);
    expect(joined).toEqual([other.getUniqueId(), id]);
  } finally {
    for (const peer of [client, other, server]) peer.close();
  }
});

it('README: two servers on one bus are one game; a client killed on one is gone on the other', async () => {
  const bus = createMemoryBus();
  const east = new WebSocketMultiplayerPeer();
  const west = new WebSocketMultiplayerPeer();
  east.bus = bus;
  west.bus = bus;
  expect(east.createServer(0, '127.0.0.1')).toBe(ErrorCode.OK);
  expect(west.createServer(0, '127.0.0.1')).toBe(ErrorCode.OK);
  expect(await east.ready()).toBe(ErrorCode.OK);
  expect(await west.ready()).toBe(ErrorCode.OK);
  const [ann, bob] = [new WebSocketMultiplayerPeer(), new WebSocketMultiplayerPeer()];
  const heard: string[] = [];
  bob.on('peer_packet', (from) => heard.push(`${from}:${new TextDecoder().decode(bob.getPacket())}`));
  const all = [east, west, ann, bob];
  const pollUntil = async (what: string, done: () => boolean): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      for (const peer of all) peer.poll();
      await nextTurn();
    }
  };
  try {
    expect(ann.createClient(`ws://127.0.0.1:${east.getLocalPort()}`)).toBe(ErrorCode.OK);
    expect(bob.createClient(`ws://127.0.0.1:${west.getLocalPort()}`)).toBe(ErrorCode.OK);
    await pollUntil('ann and bob to meet', () => ann.getPeers().length === 2 && bob.getPeers().length === 2);
    ann.setTargetPeer(bob.getUniqueId());
    expect(ann.putPacket(new TextEncoder().encode('hi bob'))).toBe(ErrorCode.OK);
    await pollUntil('the packet', () => heard.length === 1);
    expect(heard).toEqual([`${ann.getUniqueId()}:hi bob`]);
    ann.getPeer(1)!.close(-1); // ann's connection dies
    await pollUntil('bob to see ann leave', () => bob.getPeers().length === 1);
    expect(west.getPeers()).toEqual([bob.getUniqueId()]);
  } finally {
    for (const peer of all) peer.close();
  }
});
