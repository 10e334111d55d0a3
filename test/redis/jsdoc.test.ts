// The JSDoc examples of createHub() and redisBus(), run as written (their imports added, the
// fixed port and Redis URL swapped for free ones), each with a client that drops.
import type { Subscription } from 'rxjs';
import type { Hub } from 'rxpeer';
import type { RedisBus } from 'rxpeer/redis';
import { jsdocExample, runExample } from '../helpers/readme.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { ChatClient, membersUntil } from '../helpers/chat-hub.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

it('createHub(): the lobby example relays to the others and counts members', async () => {
  const code = `import { mergeMap, tap } from 'rxjs';\nimport { createHub, listen } from 'rxpeer';\n${jsdocExample('src/observable/hub.ts', 'createHub()')}`;
  const example = runExample<{ hub: Hub; server: Subscription }>(code, {
    replace: { 'listen(8000)': "listen(0, { bindAddress: '127.0.0.1', onListening: (port) => console.log(`on ${port}`) })" },
    bindings: ['hub', 'server'],
  });
  const { hub, server } = example.bindings;
  try {
    const port = Number(/\d+/.exec(await example.logged(/^on \d+$/))![0]);
    const [a, b] = [await ChatClient.open(port), await ChatClient.open(port)];
    await example.logged(/^2 in the lobby$/);
    a.send('hello');
    await b.hears('hello');
    a.drop();
    await example.logged(/^1 in the lobby$/);
    await b.close();
    await membersUntil(hub, 'lobby', (ids) => ids.length === 0);
  } finally {
    server.unsubscribe();
    hub.close();
  }
});

it('redisBus(): the example joins and reports its status', async () => {
  const code = `import { createHub } from 'rxpeer';\nimport { redisBus } from 'rxpeer/redis';\n${jsdocExample('src/redis/redis-bus.ts', 'redisBus({')}`;
  const example = runExample<{ bus: RedisBus; hub: Hub }>(code, { replace: { 'redis://127.0.0.1:6379': redis.url }, bindings: ['bus', 'hub'] });
  const { bus, hub } = example.bindings;
  try {
    await example.logged(/^connected $/);
    await redis.stop(); // the Redis goes away: the partition is reported with its cause
    await example.logged(/^partitioned Redis at redis:\/\/127\.0\.0\.1:\d+ unreachable: /);
    await redis.restart();
    await bus.ready();
  } finally {
    hub.close();
    await bus.close();
  }
});
