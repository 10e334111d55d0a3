// Part 3, the one load client for every server under test (raw ws, perMessageDeflate
// off): echo throughput at each size over one connection, then how fast the server
// accepts connections (WebSocket handshakes completed per second, a bounded number of
// handshakes in flight).
//   node bench/load-client.mjs --url ws://… --sizes 16,1024,65536 --in-flight 64
//     --warm-ms 250 --measure-ms 1000 --max-messages 2000000 --connections 1000 --concurrency 100
import { closeWithin, openRawWs } from './clients.mjs';
import { ask, measureSizes, openMany, progress, runChild, sleep, within } from './common.mjs';

async function acceptRun(url, count, concurrency) {
  const server0 = await ask('cpu');
  const started = performance.now();
  const connections = await within(openMany(count, concurrency, () => openRawWs(url)), 60_000, `opening ${count} connections`);
  const elapsedMs = performance.now() - started;
  const server1 = await ask('cpu');
  for (const conn of connections) conn.terminate();
  const serverMicros = server1.cpu.user + server1.cpu.system - server0.cpu.user - server0.cpu.system;
  return { connections: count, elapsedMs, perSecond: (count * 1000) / elapsedMs, serverCpuMicrosPerConnection: serverMicros / count };
}

runChild(async (args) => {
  const sizes = String(args.sizes).split(',').map(Number);
  const conn = await within(openRawWs(`${args.url}/load`), 10_000, 'open');
  const throughput = await measureSizes(conn, sizes, args);
  await closeWithin(conn, 2000);

  progress(`accepting ${args.connections} connections`);
  const warmCount = Math.max(50, Math.round(args.connections / 10));
  await acceptRun(`${args.url}/accept-warm`, warmCount, args.concurrency);
  await sleep(500); // the warm-up's closes are handled before the timed run
  const accept = await acceptRun(`${args.url}/accept`, args.connections, args.concurrency);
  return { throughput, accept };
});
