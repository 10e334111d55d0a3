// WebSocketMultiplayerPeer servers as one game through redisBus (the same scenarios as the
// in-process bus, test/multiplayer/cluster.test.ts), on real sockets and a real redis-server.
import { ErrorCode } from 'rxpeer';
import { redisBus, type RedisBus } from 'rxpeer/redis';
import { join, type Player, SocketWorld } from '../helpers/multiplayer.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let world: SocketWorld;
const buses: RedisBus[] = [];

beforeEach(async () => {
  redis = await startRedis();
  world = new SocketWorld();
});
afterEach(async () => {
  await world.cleanUp();
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
  await redis.stop();
});

async function node(name: string): Promise<{ server: Player; url: string; bus: RedisBus }> {
  const bus = redisBus({ url: redis.url, heartbeatInterval: 100, nodeExpiry: 1000 });
  buses.push(bus);
  const server = world.player(name);
  server.peer.bus = bus;
  const url = await world.serve(server); // ready() once bound and in the cluster
  return { server, url, bus };
}

async function cluster() {
  const n1 = await node('s1');
  const n2 = await node('s2');
  const [a, b, c] = [world.player('a'), world.player('b'), world.player('c')];
  await join(world, a, n1.url);
  await join(world, b, n1.url);
  await join(world, c, n2.url);
  await world.until('every client to know the others', () => [a, b, c].every((p) => p.peer.getPeers().length === 3));
  return { s1: n1.server, s2: n2.server, bus1: n1.bus, bus2: n2.bus, a, b, c };
}

describe('WebSocketMultiplayerPeer with redisBus', () => {
  it('gives ids unique across the cluster and announces every client on every node', async () => {
    const { s1, s2, a, b, c } = await cluster();
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(s1.peer.getPeers()).toEqual([a.id, b.id, c.id]);
    expect(s2.peer.getPeers()).toEqual([a.id, b.id, c.id]);
    expect(c.events).toEqual(['+1', 'ok', `+${a.id}`, `+${b.id}`]);
    expect(s2.events).toEqual([`+${a.id}`, `+${b.id}`, `+${c.id}`]);
    expect(s1.peer.getPeer(c.id)).toBeNull();
  });

  it('relays targeted, broadcast and exclude-one packets across nodes, in each sender’s order', async () => {
    const { s1, s2, a, b, c } = await cluster();
    for (let i = 0; i < 20; i++) expect(a.send(c.id, `to-c-${i}`)).toBe(ErrorCode.OK);
    expect(c.send(0, 'all')).toBe(ErrorCode.OK);
    expect(b.send(-c.id, 'not-c')).toBe(ErrorCode.OK);
    await world.until('the packets', () => c.packets.length === 20 && a.packets.length === 2 && b.packets.length === 1);
    await world.settle();
    expect(c.received()).toEqual(Array.from({ length: 20 }, (_, i) => `${a.id}>to-c-${i}`));
    expect(a.received().sort()).toEqual([`${c.id}>all`, `${b.id}>not-c`].sort());
    expect(b.received()).toEqual([`${c.id}>all`]);
    expect(s2.received()).toEqual([`${c.id}>all`]);
    expect(s1.received()).toEqual([`${b.id}>not-c`]);
    s1.peer.setTargetPeer(0);
    expect(s1.peer.putPacket(new TextEncoder().encode('hi all'))).toBe(ErrorCode.OK);
    await world.until('the server broadcast', () => c.received().includes('1>hi all'));
  });

  it('tells everyone when a client of another node leaves, and when a node leaves', async () => {
    const { s1, s2, a, b, c } = await cluster();
    a.peer.disconnectPeer(1);
    await world.until('a to be gone everywhere', () => c.events.includes(`-${a.id}`) && b.events.includes(`-${a.id}`));
    s2.peer.close();
    await world.until('c to be gone at the first node', () => b.events.includes(`-${c.id}`));
    expect(s1.peer.getPeers()).toEqual([b.id]);
    expect(b.peer.getPeers()).toEqual([1]);
  });

  it('introduces the clients already there to a node that joins later, and a newcomer to them', async () => {
    const { server: s1, url: url1 } = await node('s1');
    const a = world.player('a');
    await join(world, a, url1);
    const { server: s2, url: url2 } = await node('s2');
    await world.until('s2 to hear of a', () => s2.events.includes(`+${a.id}`));
    const c = world.player('c');
    await join(world, c, url2);
    await world.until('a to hear of c', () => a.events.includes(`+${c.id}`));
    expect(c.peer.getPeers()).toEqual([1, a.id]);
    expect(s1.peer.getPeers()).toEqual([a.id, c.id]);
  });

  it('one relay per bus: a second server on the same bus is refused', async () => {
    const { bus } = await node('s1');
    const second = world.player('s2');
    second.peer.bus = bus;
    expect(second.peer.createServer(0, '127.0.0.1')).toBe(ErrorCode.OK);
    expect(await second.peer.ready()).toBe(ErrorCode.ERR_ALREADY_IN_USE);
  });
});
