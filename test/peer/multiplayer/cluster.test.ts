// Several servers as one game through a relay bus (the in-process one, the reference for
// every bus): ids unique across the cluster, every client announced to every client,
// packets targeted, broadcast and excluded across nodes, each sender's order kept, and a
// node that dies has its clients removed everywhere.
import { createMemoryBus, ErrorCode, type MemoryBus } from 'rxpeer';
import { join, MemoryWorld, type Player } from '../../helpers/multiplayer';

describe('WebSocketMultiplayerPeer with a relay bus', () => {
  let world: MemoryWorld;
  let bus: MemoryBus;
  beforeEach(() => {
    world = new MemoryWorld();
    bus = createMemoryBus();
  });
  afterEach(() => world.cleanUp());

  async function node(name: string): Promise<{ server: Player; url: string }> {
    const server = world.player(name);
    server.peer.bus = bus;
    const url = await world.serve(server);
    return { server, url };
  }

  /** Two nodes: a and b on the first, c on the second. */
  async function cluster(): Promise<{ s1: Player; s2: Player; a: Player; b: Player; c: Player }> {
    const { server: s1, url: url1 } = await node('s1');
    const { server: s2, url: url2 } = await node('s2');
    const [a, b, c] = [world.player('a'), world.player('b'), world.player('c')];
    await join(world, a, url1);
    await join(world, b, url1);
    await join(world, c, url2);
    await world.until('every client to know the others', () => [a, b, c].every((p) => p.peer.getPeers().length === 3));
    return { s1, s2, a, b, c };
  }

  it('gives ids unique across the cluster and announces every client on every node', async () => {
    const { s1, s2, a, b, c } = await cluster();
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(s1.peer.getPeers()).toEqual([a.id, b.id, c.id]);
    expect(s2.peer.getPeers()).toEqual([a.id, b.id, c.id]);
    expect(c.events).toEqual(['+1', 'ok', `+${a.id}`, `+${b.id}`]);
    expect(a.events).toEqual(['+1', 'ok', `+${b.id}`, `+${c.id}`]);
    expect(s2.events).toEqual([`+${a.id}`, `+${b.id}`, `+${c.id}`]);
    // Another node's client has no connection here.
    expect(s1.peer.getPeer(c.id)).toBeNull();
    expect(s1.peer.disconnectPeer(c.id)).toBe(ErrorCode.ERR_DOES_NOT_EXIST);
    expect(bus.nodes).toEqual([[a.id, b.id], [c.id]]);
  });

  it('relays targeted, broadcast and exclude-one packets across nodes, in each sender’s order', async () => {
    const { s1, s2, a, b, c } = await cluster();
    for (let i = 0; i < 5; i++) expect(a.send(c.id, `to-c-${i}`)).toBe(ErrorCode.OK);
    expect(c.send(0, 'all')).toBe(ErrorCode.OK);
    expect(b.send(-c.id, 'not-c')).toBe(ErrorCode.OK);
    await world.until('the packets', () => c.packets.length === 5 && a.packets.length === 2 && b.packets.length === 1);
    await world.settle();
    expect(c.received()).toEqual([0, 1, 2, 3, 4].map((i) => `${a.id}>to-c-${i}`));
    // Order holds per sender only: two senders on two nodes may arrive either way round.
    expect(a.received().sort()).toEqual([`${c.id}>all`, `${b.id}>not-c`].sort());
    expect(b.received()).toEqual([`${c.id}>all`]);
    // 1 is each client's own server: c's broadcast reaches s2's application, not s1's.
    expect(s2.received()).toEqual([`${c.id}>all`]);
    expect(s1.received()).toEqual([`${b.id}>not-c`]);
  });

  it('delivers a server’s broadcast and targeted packets to clients of other nodes (from 1)', async () => {
    const { s1, a, b, c } = await cluster();
    s1.peer.setTargetPeer(0);
    expect(s1.peer.putPacket(new TextEncoder().encode('hi all'))).toBe(ErrorCode.OK);
    expect(s1.send(c.id, 'hi c')).toBe(ErrorCode.OK);
    await world.until('the packets', () => c.packets.length === 2);
    expect(c.received()).toEqual(['1>hi all', '1>hi c']);
    expect(a.received()).toEqual(['1>hi all']);
    expect(b.received()).toEqual(['1>hi all']);
  });

  it('tells everyone when a client of another node leaves, and when a whole node dies', async () => {
    const { s1, a, b, c } = await cluster();
    a.peer.disconnectPeer(1);
    await world.until('a to be gone everywhere', () => c.events.includes(`-${a.id}`) && b.events.includes(`-${a.id}`));
    expect(s1.events).toContain(`-${a.id}`);
    bus.kill(1); // the node of c vanishes
    await world.until('c to be gone at the first node', () => b.events.includes(`-${c.id}`));
    expect(s1.peer.getPeers()).toEqual([b.id]);
    expect(b.peer.getPeers()).toEqual([1]);
  });

  it('introduces the clients already there to a node that joins later, and a newcomer to them', async () => {
    const { server: s1, url: url1 } = await node('s1');
    const a = world.player('a');
    await join(world, a, url1);
    const { server: s2, url: url2 } = await node('s2');
    await world.settle();
    expect(s2.events).toEqual([`+${a.id}`]);
    const c = world.player('c');
    await join(world, c, url2);
    await world.until('a to hear of c', () => a.events.includes(`+${c.id}`));
    expect(c.peer.getPeers()).toEqual([1, a.id]);
    expect(s1.peer.getPeers()).toEqual([a.id, c.id]);
  });

  it('leaves the cluster when the server closes: its clients leave everywhere', async () => {
    const { s2, a, c } = await cluster();
    s2.peer.close();
    await world.until('a to hear c leave', () => a.events.includes(`-${c.id}`));
    expect(bus.nodes).toEqual([[a.id, expect.any(Number)]]);
  });
});
