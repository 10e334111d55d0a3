// WebSocketMultiplayerPeer servers as one game through redisBus, on real sockets and a real
// redis-server: the shared cluster scenarios (test/helpers/relay-scenarios.ts, also run on
// the memory bus), and what only redisBus shows.
import { ErrorCode } from 'rxpeer';
import { redisBus, type RedisBus } from 'rxpeer/redis';
import { SocketWorld } from '../helpers/multiplayer.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { type ClusterSetup, clusterScenarios, startNode } from '../helpers/relay-scenarios.js';

let redis: RedisServer;
let world: SocketWorld;
const buses: RedisBus[] = [];
let setup: ClusterSetup;

beforeEach(async () => {
  redis = await startRedis();
  world = new SocketWorld();
  setup = {
    world,
    busForNode() {
      const bus = redisBus({ url: redis.url, heartbeatInterval: 100, nodeExpiry: 1000 });
      buses.push(bus);
      return bus;
    },
  };
});
afterEach(async () => {
  await world.cleanUp();
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
  await redis.stop();
});

describe('WebSocketMultiplayerPeer with redisBus', () => {
  clusterScenarios(() => setup);

  it('one relay per bus: a second server on the same bus is refused', async () => {
    const { bus } = await startNode(setup, 's1');
    const second = world.player('s2');
    second.peer.bus = bus;
    expect(second.peer.createServer(0, '127.0.0.1')).toBe(ErrorCode.OK);
    expect(await second.peer.ready()).toBe(ErrorCode.ERR_ALREADY_IN_USE);
  });
});
