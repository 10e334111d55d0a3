// Part 1, one client in one process: echo throughput at each message size with a window
// in flight, then ping-pong latency, over one connection to the echo server.
//   node bench/client.mjs --client from-peer --url ws://127.0.0.1:PORT --sizes 16,1024,65536
//     --in-flight 64 --warm-ms 250 --measure-ms 1000 --max-messages 2000000
//     --round-trips 2000 --latency-size 16
import { CLIENTS, closeWithin } from './clients.mjs';
import { measureLatency, measureSizes, progress, runChild, within } from './common.mjs';

runChild(async (args) => {
  const client = CLIENTS[args.client];
  if (client === undefined) throw new Error(`unknown client ${args.client}`);
  const url = `${args.url}/${args.client}`;
  const sizes = String(args.sizes).split(',').map(Number);
  const conn = await within(client.open(url), 10_000, `${client.label}: open`);

  const throughput = await measureSizes(conn, sizes, args);

  progress(`latency, ${args['round-trips']} round trips`);
  const latency = await measureLatency(conn, {
    size: args['latency-size'],
    count: args['round-trips'],
    warmup: Math.min(500, Math.ceil(args['round-trips'] / 10)),
    capMs: args['latency-cap-ms'] ?? 30_000,
  });

  await closeWithin(conn, 2000);
  return { client: args.client, throughput, latency };
});
