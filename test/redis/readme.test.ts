// The README's rxpeer/redis example, run as written (its Redis URL and ports swapped for a
// test Redis and free ports): a relay and a hub on one bus, a client that drops, a Godot 3
// protocol client on the relay, then everything closed.
import type { Subscription } from 'rxjs';
import type { Hub, WebSocketMultiplayerPeer } from 'rxpeer';
import type { RedisBus } from 'rxpeer/redis';
import { runExample, readmeBlock } from '../helpers/readme.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { ChatClient, membersUntil } from '../helpers/chat-hub.js';
import { join, SocketWorld } from '../helpers/multiplayer.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

it('README: a relay and a hub on one redisBus', async () => {
  const world = new SocketWorld();
  const example = runExample<{ bus: RedisBus; relay: WebSocketMultiplayerPeer; hub: Hub; chat: Subscription }>(
    readmeBlock('## Many processes and machines: `rxpeer/redis`', 'redisBus({'),
    {
      replace: {
        'redis://127.0.0.1:6379': redis.url,
        'relay.createServer(9080)': "relay.createServer(0, '127.0.0.1')",
        'listen(8000)': "listen(0, { bindAddress: '127.0.0.1', onListening: (port) => console.log(`chat on ${port}`) })",
      },
      bindings: ['bus', 'relay', 'hub', 'chat'],
    },
  );
  const { bus, relay, hub, chat } = example.bindings;
  try {
    await example.logged(/^bus connected/);
    const port = Number(/(\d+)/.exec(await example.logged(/^chat on \d+$/))![1]);
    const [alice, bob] = [await ChatClient.open(port), await ChatClient.open(port)];
    alice.send('hi');
    await bob.hears('hi');
    bob.drop(); // a client that drops leaves the lobby
    await membersUntil(hub, 'lobby', (ids) => ids.length === 1);
    await alice.close();
    await membersUntil(hub, 'lobby', (ids) => ids.length === 0);

    await relay.ready();
    const player = world.player('p');
    await join(world, player, `ws://127.0.0.1:${relay.getLocalPort()}/`);
    await example.logged(new RegExp(`^players: ${player.id}$`));
    expect(example.logs.filter((l) => l.endsWith('in the lobby'))).toEqual([
      '0 in the lobby',
      '1 in the lobby',
      '2 in the lobby',
      '1 in the lobby',
      '0 in the lobby',
    ]);
  } finally {
    chat.unsubscribe();
    await world.cleanUp();
    relay.close();
    hub.close();
    await bus.close();
  }
  expect(example.logs.filter((l) => l.startsWith('bus'))).toEqual(['bus connected ', 'bus closed ']);
});
