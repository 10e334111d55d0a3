// The cluster scenarios every RelayBus must pass, written once and run against each bus:
// the in-process memory bus (test/peer/multiplayer/memory-bus.test.ts, the reference for the
// rules in src/peer/multiplayer/relay.ts) and redisBus (test/redis/relay-link.test.ts, real
// sockets and a real redis-server). Ids unique across the cluster, every client announced
// to every client, packets targeted, broadcast and excluded across nodes in each sender's
// order, leaves and late joiners. What only one bus can show stays in its own file.
import { ErrorCode, type RelayBus } from 'rxpeer';
import { join, type Player, type World } from './multiplayer.js';

/** What a bus's test file gives the scenarios, fresh for each test. */
export interface ClusterSetup {
  readonly world: World;
  /** The bus a new node's server uses (one shared bus, or one per node). */
  busForNode(): RelayBus;
}

export interface ClusterNode {
  server: Player;
  url: string;
  bus: RelayBus;
}

export interface Cluster {
  s1: Player;
  s2: Player;
  a: Player;
  b: Player;
  c: Player;
}

/** A server on a new node of the cluster; resolves once it is bound and in the cluster. */
export async function startNode(setup: ClusterSetup, name: string): Promise<ClusterNode> {
  const bus = setup.busForNode();
  const server = setup.world.player(name);
  server.peer.bus = bus;
  const url = await setup.world.serve(server);
  return { server, url, bus };
}

/** Two nodes: a and b on the first, c on the second, each knowing the others. */
export async function startCluster(setup: ClusterSetup): Promise<Cluster> {
  const { world } = setup;
  const n1 = await startNode(setup, 's1');
  const n2 = await startNode(setup, 's2');
  const [a, b, c] = [world.player('a'), world.player('b'), world.player('c')];
  await join(world, a, n1.url);
  await join(world, b, n1.url);
  await join(world, c, n2.url);
  await world.until('every client to know the others', () => [a, b, c].every((p) => p.peer.getPeers().length === 3));
  return { s1: n1.server, s2: n2.server, a, b, c };
}

/** Defines the shared scenarios as tests in the caller's describe; `setup()` is read inside each test. */
export function clusterScenarios(setup: () => ClusterSetup): void {
  it('gives ids unique across the cluster and announces every client on every node', async () => {
    const { s1, s2, a, b, c } = await startCluster(setup());
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(s1.peer.getPeers()).toEqual([a.id, b.id, c.id]);
    expect(s2.peer.getPeers()).toEqual([a.id, b.id, c.id]);
    expect(c.events).toEqual(['+1', 'ok', `+${a.id}`, `+${b.id}`]);
    expect(a.events).toEqual(['+1', 'ok', `+${b.id}`, `+${c.id}`]);
    expect(s2.events).toEqual([`+${a.id}`, `+${b.id}`, `+${c.id}`]);
    // Another node's client has no connection here.
    expect(s1.peer.getPeer(c.id)).toBeNull();
    expect(s1.peer.disconnectPeer(c.id)).toBe(ErrorCode.ERR_DOES_NOT_EXIST);
  });

  it('relays targeted, broadcast and exclude-one packets across nodes, in each sender’s order', async () => {
    const { world } = setup();
    const { s1, s2, a, b, c } = await startCluster(setup());
    for (let i = 0; i < 20; i++) expect(a.send(c.id, `to-c-${i}`)).toBe(ErrorCode.OK);
    expect(c.send(0, 'all')).toBe(ErrorCode.OK);
    expect(b.send(-c.id, 'not-c')).toBe(ErrorCode.OK);
    await world.until('the packets', () => c.packets.length === 20 && a.packets.length === 2 && b.packets.length === 1);
    await world.settle();
    expect(c.received()).toEqual(Array.from({ length: 20 }, (_, i) => `${a.id}>to-c-${i}`));
    // Order holds per sender only: two senders on two nodes may arrive either way round.
    expect(a.received().sort()).toEqual([`${c.id}>all`, `${b.id}>not-c`].sort());
    expect(b.received()).toEqual([`${c.id}>all`]);
    // 1 is each client's own server: c's broadcast reaches s2's application, not s1's.
    expect(s2.received()).toEqual([`${c.id}>all`]);
    expect(s1.received()).toEqual([`${b.id}>not-c`]);
  });

  it('delivers a server’s broadcast and targeted packets to clients of other nodes (from 1)', async () => {
    const { world } = setup();
    const { s1, a, b, c } = await startCluster(setup());
    s1.peer.setTargetPeer(0);
    expect(s1.peer.putPacket(new TextEncoder().encode('hi all'))).toBe(ErrorCode.OK);
    expect(s1.send(c.id, 'hi c')).toBe(ErrorCode.OK);
    await world.until('the packets', () => c.packets.length === 2 && a.packets.length === 1 && b.packets.length === 1);
    expect(c.received()).toEqual(['1>hi all', '1>hi c']);
    expect(a.received()).toEqual(['1>hi all']);
    expect(b.received()).toEqual(['1>hi all']);
  });

  it('tells everyone when a client of another node leaves', async () => {
    const { world } = setup();
    const { s1, a, b, c } = await startCluster(setup());
    a.peer.disconnectPeer(1);
    await world.until('a to be gone everywhere', () => c.events.includes(`-${a.id}`) && b.events.includes(`-${a.id}`) && s1.events.includes(`-${a.id}`));
    expect(c.peer.getPeers()).toEqual([1, b.id]);
  });

  it('leaves the cluster when a server closes: its clients leave everywhere', async () => {
    const { world } = setup();
    const { s1, s2, a, b, c } = await startCluster(setup());
    s2.peer.close();
    await world.until('c to be gone at the first node', () => a.events.includes(`-${c.id}`) && b.events.includes(`-${c.id}`));
    expect(s1.peer.getPeers()).toEqual([a.id, b.id]);
    expect(b.peer.getPeers()).toEqual([1, a.id]);
  });

  it('introduces the clients already there to a node that joins later, and a newcomer to them', async () => {
    const { world } = setup();
    const { server: s1, url: url1 } = await startNode(setup(), 's1');
    const a = world.player('a');
    await join(world, a, url1);
    const { server: s2, url: url2 } = await startNode(setup(), 's2');
    await world.until('s2 to hear of a', () => s2.events.includes(`+${a.id}`));
    expect(s2.events).toEqual([`+${a.id}`]);
    const c = world.player('c');
    await join(world, c, url2);
    await world.until('a to hear of c', () => a.events.includes(`+${c.id}`));
    expect(c.peer.getPeers()).toEqual([1, a.id]);
    expect(s1.peer.getPeers()).toEqual([a.id, c.id]);
  });
}
