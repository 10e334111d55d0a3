// Part 2, idle cost: opens N connections to the echo server and leaves them idle, then
// measures this process's CPU over a window and its memory per connection. Run with
// --expose-gc (memory is read after full collections).
//   node --expose-gc bench/idle-client.mjs --client ws|from-peer --url ws://… --count 10000
//     --window-ms 5000 --concurrency 256
import { openFromPeer, openRawWs } from './clients.mjs';
import { ask, openMany, progress, runChild, sleep, within } from './common.mjs';

const OPENERS = { ws: openRawWs, 'from-peer': (url) => openFromPeer(url, {}) };

async function settledMemory() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(20);
  }
  return process.memoryUsage();
}

runChild(async (args) => {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
  const open = OPENERS[args.client];
  if (open === undefined) throw new Error(`unknown idle client ${args.client}`);
  const url = `${args.url}/idle-${args.client}`;
  const count = args.count;

  // Warm the code paths on a few connections so the baseline holds the same code.
  const warm = await openMany(8, 8, () => open(url));
  await Promise.all(warm.map((c) => within(c.close(), 2000, 'close').catch(() => c.terminate?.())));
  await sleep(100);
  const before = await settledMemory();

  progress(`opening ${count} connections`);
  const started = performance.now();
  let opened = 0;
  const connections = await within(
    openMany(count, args.concurrency, async () => {
      const conn = await open(url);
      if (++opened % 1000 === 0) progress(`opened ${opened}/${count}`);
      return conn;
    }),
    args['open-cap-ms'] ?? 120_000,
    `opening ${count} connections`,
  );
  const openMs = performance.now() - started;

  await sleep(500); // let the handshakes' leftovers settle
  const after = await settledMemory();

  progress(`idle window, ${count} connections`);
  const server0 = await ask('cpu');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(args['window-ms']);
  const cpu = process.cpuUsage(cpu0);
  const windowMs = performance.now() - t0;
  const server1 = await ask('cpu');
  const serverCpuMicros = server1.cpu.user + server1.cpu.system - (server0.cpu.user + server0.cpu.system);

  const perConnection = (key) => (after[key] - before[key]) / count;
  const result = {
    client: args.client,
    count,
    openMs,
    windowMs,
    cpuMicros: cpu.user + cpu.system,
    cpuPercentOfCore: ((cpu.user + cpu.system) / 1000 / windowMs) * 100,
    serverCpuPercentOfCore: (serverCpuMicros / 1000 / (server1.at - server0.at)) * 100,
    bytesPerConnection: {
      heapAndExternal: (after.heapUsed + after.external - before.heapUsed - before.external) / count,
      heapUsed: perConnection('heapUsed'),
      external: perConnection('external'),
      rss: perConnection('rss'),
    },
    memoryBefore: before,
    memoryAfter: after,
  };
  // Connections are dropped with the process; the orchestrator stops the server too.
  void connections;
  return result;
});
