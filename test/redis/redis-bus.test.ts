// redisBus between nodes in one process, each with its own Redis connections, on a real redis-server.
import type { BusLoss, BusStatus } from '../../src/observable/bus.js';
import { redisBus, type RedisBus } from '../../src/redis/index.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Recorder } from './support.js';

let redis: RedisServer;
const buses: RedisBus[] = [];

beforeEach(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
  await redis.stop();
});

function bus(options: { onStatus?: (s: BusStatus) => void; onLoss?: (l: BusLoss) => void } = {}): RedisBus {
  const created = redisBus({ url: redis.url, heartbeatInterval: 100, nodeExpiry: 1000, ...options });
  buses.push(created);
  return created;
}

describe('redisBus', () => {
  it('carries messages between nodes in order, and replicates entries', async () => {
    const a = bus();
    const b = bus();
    await Promise.all([a.ready(), b.ready()]);
    const heardA = new Recorder();
    const heardB = new Recorder();
    const ca = a.channel('chat', heardA.listener());
    const cb = b.channel('chat', heardB.listener());
    ca.setEntry('alice', 'here');
    await heardB.until((r) => r.entries.get(`${a.nodeId}/alice`) === 'here');
    for (let i = 0; i < 100; i++) ca.publish(new TextEncoder().encode(`m${i}`));
    await heardB.until((r) => r.messages.length === 100);
    expect(heardB.messages).toEqual(Array.from({ length: 100 }, (_, i) => `${a.nodeId}: m${i}`));
    expect(heardA.messages).toEqual([]); // a node does not hear itself
    cb.publish(new TextEncoder().encode('back'));
    await heardA.until((r) => r.messages.includes(`${b.nodeId}: back`));

    ca.deleteEntry('alice');
    await heardB.until((r) => !r.entries.has(`${a.nodeId}/alice`));
    ca.setEntry('alice', 'again');
    await heardB.until((r) => r.entries.has(`${a.nodeId}/alice`));
    // A node that leaves takes its entries with it.
    await a.close();
    await heardB.until((r) => r.entries.size === 0);
  });

  it('a node that joins later reads the entries already there', async () => {
    const a = bus();
    await a.ready();
    const ca = a.channel('rooms', new Recorder().listener());
    ca.setEntry('x', '1');
    ca.setEntry('y', '2');
    const b = bus();
    const heardB = new Recorder();
    b.channel('rooms', heardB.listener());
    await b.ready();
    await heardB.until((r) => r.entries.size === 2);
    expect([...heardB.entries]).toEqual([
      [`${a.nodeId}/x`, '1'],
      [`${a.nodeId}/y`, '2'],
    ]);
  });

  it('Redis stopped: partition reported, publishes reported lost, others forgotten after nodeExpiry; restarted: resynchronised', async () => {
    const statusesA: BusStatus[] = [];
    const lossesA: BusLoss[] = [];
    const a = bus({ onStatus: (s) => statusesA.push(s), onLoss: (l) => lossesA.push(l) });
    const b = bus();
    await Promise.all([a.ready(), b.ready()]);
    const heardA = new Recorder();
    const heardB = new Recorder();
    const ca = a.channel('rooms', heardA.listener());
    const cb = b.channel('rooms', heardB.listener());
    ca.setEntry('alice', '');
    cb.setEntry('bob', '');
    await heardA.until((r) => r.entries.has(`${b.nodeId}/bob`));
    await heardB.until((r) => r.entries.has(`${a.nodeId}/alice`));

    await redis.stop();
    await heardA.until((r) => r.statuses.some((s) => s.state === 'partitioned'));
    expect(a.status.state).toBe('partitioned');
    expect(a.status.cause).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:\d+ unreachable: /);
    ca.publish(new TextEncoder().encode('into the void'));
    ca.publish(new TextEncoder().encode('and again'));
    await heardA.until((r) => r.losses.length > 0);
    expect(heardA.losses).toEqual([{ channel: 'rooms', direction: 'send', count: 2, cause: a.status.cause }]);
    expect(lossesA).toEqual(heardA.losses);
    // Cut off longer than nodeExpiry: each node forgets the other's entries (the other does the same).
    await heardA.until((r) => r.entries.size === 0);
    await heardB.until((r) => r.entries.size === 0);
    // Entries changed while cut off are kept and written on resync.
    ca.setEntry('carol', '');

    await redis.restart(); // empty: nothing persisted
    await heardA.until((r) => r.statuses.at(-1)?.state === 'connected');
    await heardA.until((r) => r.entries.has(`${b.nodeId}/bob`));
    await heardB.until((r) => r.entries.has(`${a.nodeId}/alice`) && r.entries.has(`${a.nodeId}/carol`));
    ca.publish(new TextEncoder().encode('back'));
    await heardB.until((r) => r.messages.includes(`${a.nodeId}: back`));
    expect(statusesA.map((s) => s.state)).toEqual(['connected', 'partitioned', 'connected']);
  });

  it('a Redis that hangs (connections open, no answers) is a partition too, reported; answering again: connected', async () => {
    const statuses: BusStatus[] = [];
    const a = bus({ onStatus: (s) => statuses.push(s) });
    const b = bus();
    await Promise.all([a.ready(), b.ready()]);
    const heardA = new Recorder();
    const ca = a.channel('rooms', heardA.listener());
    b.channel('rooms', new Recorder().listener()).setEntry('bob', '');
    await heardA.until((r) => r.entries.size === 1);
    redis.pause();
    await heardA.until((r) => r.statuses.some((s) => s.state === 'partitioned'));
    expect(a.status.cause).toMatch(/did not answer a heartbeat within 900 ms$/);
    ca.publish(new Uint8Array([1]));
    await heardA.until((r) => r.losses.length === 1);
    await heardA.until((r) => r.entries.size === 0); // forgotten after nodeExpiry, as b forgets a
    redis.resume();
    await heardA.until((r) => r.statuses.at(-1)?.state === 'connected' && r.entries.size === 1);
    expect(statuses.map((s) => s.state)).toEqual(['connected', 'partitioned', 'connected']);
  });

  it('refuses bad options with the option named', () => {
    expect(() => redisBus({ url: 'http://x' })).toThrow(/url must be a redis:\/\//);
    expect(() => redisBus({ url: 'redis://x', nodeExpiry: 10, heartbeatInterval: 100 })).toThrow(/nodeExpiry \(10 ms\) must exceed/);
    expect(() => redisBus({ url: 'redis://x', heartbeatInterval: 2 ** 31 })).toThrow(RangeError);
    expect(() => redisBus({ url: 'redis://x', heartbeat: 1 } as never)).toThrow(/unknown option "heartbeat"/);
  });
});
