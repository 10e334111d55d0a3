// The README's rxpeer/redis example, as written but for the Redis URL and the ports (a
// test Redis, port 0): a relay and a hub on one bus, a client that drops, the bus closed.
import { mergeMap, type Subscription, tap } from 'rxjs';
import { createHub, ErrorCode, fromMultiplayerPeer, listen, WebSocketMultiplayerPeer } from 'rxpeer';
import type { RedisBus } from 'rxpeer/redis';
import { redisBus } from 'rxpeer/redis';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { ChatClient, membersUntil } from '../hub/support.js';
import { join, SocketWorld } from '../multiplayer/support.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

it('README: a relay and a hub on one redisBus', async () => {
  const logged: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
  const world = new SocketWorld();
  let server: Subscription | undefined;
  let opened: RedisBus | undefined;
  let chatPort!: (port: number) => void;
  const port = new Promise<number>((resolve) => (chatPort = resolve));
  try {
    // ---- as in the README ----
    const bus = redisBus({
      url: redis.url,
      onStatus: (s) => console.log(`bus ${s.state} ${s.cause ?? ''}`),
      onLoss: (l) => console.log(`${l.count} message(s) did not cross: ${l.cause}`),
    });
    opened = bus;

    const relay = new WebSocketMultiplayerPeer();
    relay.bus = bus;
    expect(relay.createServer(0, '127.0.0.1')).toBe(ErrorCode.OK);
    fromMultiplayerPeer(relay).peers$.subscribe((ids) => console.log(`players: ${ids}`)); // polls it

    const hub = createHub({ bus });
    server = listen(0, { bindAddress: '127.0.0.1', onListening: chatPort })
      .pipe(
        mergeMap((client) => {
          hub.join(client, 'lobby');
          return client.packets$.pipe(tap((p) => hub.publish('lobby', p.text ?? p.data, { except: client })));
        }),
      )
      .subscribe({ error: () => {} });
    hub.members$('lobby').subscribe((ids) => console.log(`${ids.length} in the lobby`));
    // ---- end ----

    expect(await relay.ready()).toBe(ErrorCode.OK);
    const player = world.player('p');
    await join(world, player, `ws://127.0.0.1:${relay.getLocalPort()}/`);
    const [alice, bob] = [await ChatClient.open(await port), await ChatClient.open(await port)];
    alice.send('hi');
    await bob.hears('hi');
    bob.drop();
    await membersUntil(hub, 'lobby', (ids) => ids.length === 1); // bob left
    await alice.close();
    relay.close();
    hub.close();
    await bus.close();
    const lobby = logged.filter((l) => l.endsWith('in the lobby'));
    expect(lobby).toEqual(['0 in the lobby', '1 in the lobby', '2 in the lobby', '1 in the lobby', '0 in the lobby']);
    const players = logged.filter((l) => l.startsWith('players'));
    expect(players).toEqual(['players: ', `players: ${player.id}`]); // close() completes it
    expect(logged.filter((l) => l.startsWith('bus'))).toEqual(['bus connected ', 'bus closed ']);
  } finally {
    server?.unsubscribe();
    await world.cleanUp();
    await opened?.close();
    log.mockRestore();
  }
});
