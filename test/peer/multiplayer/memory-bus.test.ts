// Several servers as one game through the in-process relay bus, the reference for every
// bus: the shared cluster scenarios (test/helpers/relay-scenarios.ts, also run on redisBus)
// over the in-memory network, and what only the memory bus shows: its node table, and a
// node that dies without a word.
import { createMemoryBus, type MemoryBus } from 'rxpeer';
import { MemoryWorld } from '../../helpers/multiplayer';
import { type ClusterSetup, clusterScenarios, startCluster } from '../../helpers/relay-scenarios';

describe('WebSocketMultiplayerPeer with the memory bus', () => {
  let world: MemoryWorld;
  let bus: MemoryBus;
  let setup: ClusterSetup;
  beforeEach(() => {
    world = new MemoryWorld();
    bus = createMemoryBus();
    setup = { world, busForNode: () => bus };
  });
  afterEach(() => world.cleanUp());

  clusterScenarios(() => setup);

  it('keeps one entry per node in the order the nodes joined, each with its clients', async () => {
    const { a, b, c } = await startCluster(setup);
    expect(bus.nodes).toEqual([[a.id, b.id], [c.id]]);
  });

  it('a node that dies without a word (kill) has its clients removed everywhere', async () => {
    const { s1, a, b, c } = await startCluster(setup);
    bus.kill(1); // the node of c vanishes
    await world.until('c to be gone at the first node', () => a.events.includes(`-${c.id}`) && b.events.includes(`-${c.id}`));
    expect(s1.peer.getPeers()).toEqual([a.id, b.id]);
    expect(b.peer.getPeers()).toEqual([1, a.id]);
  });

  it('a closed server leaves the bus: only the other node stays', async () => {
    const { s2, a, b, c } = await startCluster(setup);
    s2.peer.close();
    await world.until('a to hear c leave', () => a.events.includes(`-${c.id}`));
    expect(bus.nodes).toEqual([[a.id, b.id]]);
  });
});
