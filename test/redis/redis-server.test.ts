// The test harness itself: a real redis-server, started and stopped per test.
import { createClient } from 'redis';
import { startRedis } from '../helpers/redis-server.js';

describe('startRedis (test harness)', () => {
  it('serves on a loopback port, loses everything on restart (no persistence), and stops', async () => {
    const redis = await startRedis();
    try {
      const client = createClient({ url: redis.url });
      client.on('error', () => {});
      await client.connect();
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
      client.destroy();

      await redis.restart();
      expect(redis.running).toBe(true);
      const again = createClient({ url: redis.url });
      again.on('error', () => {});
      await again.connect();
      expect(await again.get('k')).toBeNull();
      again.destroy();
    } finally {
      await redis.stop();
    }
    expect(redis.running).toBe(false);
    await redis.stop(); // idempotent
  });
});
