// `npm run build && node --expose-gc bench/resume.mjs [--rounds 3] [--sessions 500]`:
// what `resume` costs against plain rxpeer, over one connection to an echo server in its
// own process (rxpeer's listen(), which serves both kinds on one port):
//   - echo throughput with 64 messages in flight, 16 B and 1 KiB messages;
//   - ping-pong latency (p50, p99) with 16 B messages;
//   - memory per connection on the server and on the client (heap after GC, `--sessions`
//     connections of each kind, idle, every message acknowledged);
//   - the session layer's own CPU per message, without sockets (two SessionCores joined).
// Plain and resume alternate within each round; the medians over rounds are reported,
// with the ratio resume / plain (the machine's own noise cancels out of the ratio).
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { connect, ErrorCode, listen } from 'rxpeer';
import { filter, firstValueFrom, mergeMap, tap } from 'rxjs';
import { measureLatency, measureThroughput, median, PEER_BUFFER_BYTES, within } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    sessions: { type: 'string', default: '500' },
    'measure-ms': { type: 'string', default: '1000' },
  },
});

const LIMITS = { inboundBufferSize: PEER_BUFFER_BYTES, outboundBufferSize: PEER_BUFFER_BYTES };
const PROTOCOLS = ['bench'];

function heapAfterGc() {
  for (let i = 0; i < 3; i++) globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

if (args.server) {
  // The echo server: plain clients and session clients on one port.
  const sessions = new Set();
  listen(0, { bindAddress: '127.0.0.1', protocols: PROTOCOLS, resume: true, ...LIMITS, onListening: (port) => process.send({ port }) })
    .pipe(
      mergeMap(
        (client) => {
          sessions.add(client);
          return client.packets$.pipe(
            tap({ next: (p) => client.send(p.isString ? p.text : p.data), finalize: () => sessions.delete(client) }),
          );
        },
        Infinity,
      ),
    )
    .subscribe();
  process.on('message', (message) => {
    if (message === 'heap') process.send({ heap: heapAfterGc(), open: sessions.size });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

async function main() {
  if (globalThis.gc === undefined) throw new Error('run with node --expose-gc');
  const server = fork(new URL(import.meta.url).pathname, ['--server'], { execArgv: ['--expose-gc'] });
  const replies = [];
  server.on('message', (m) => replies.shift()?.(m));
  const ask = (message) => new Promise((resolve) => (replies.push(resolve), message && server.send(message)));
  const { port } = await within(ask(null), 10_000, 'the server to listen');
  const url = `ws://127.0.0.1:${port}`;
  const rounds = Number(args.rounds);
  const measureMs = Number(args['measure-ms']);
  const results = { plain: { t16: [], t1024: [], p50: [], p99: [] }, resume: { t16: [], t1024: [], p50: [], p99: [] } };

  const open = async (resume) => {
    const subscriptionBox = {};
    const socket = await within(
      new Promise((resolve, reject) => {
        subscriptionBox.subscription = connect(url, { protocols: PROTOCOLS, ...LIMITS, ...(resume ? { resume: true } : {}) }).subscribe({ next: resolve, error: reject });
      }),
      10_000,
      'connect',
    );
    const conn = {
      onMessage: () => {},
      send: (bytes) => socket.send(bytes) === ErrorCode.OK,
      socket,
      async close() {
        const closed = firstValueFrom(socket.close$);
        subscriptionBox.subscription.unsubscribe();
        await within(closed, 5000, 'close');
      },
    };
    socket.packets$.subscribe((p) => conn.onMessage(p.data.byteLength));
    return conn;
  };

  for (let round = 1; round <= rounds; round++) {
    for (const kind of round % 2 === 1 ? ['plain', 'resume'] : ['resume', 'plain']) {
      const conn = await open(kind === 'resume');
      const run = (size) => measureThroughput(conn, { size, inFlight: 64, warmMs: 250, measureMs, maxMessages: 2_000_000 });
      results[kind].t16.push((await run(16)).messagesPerSecond);
      results[kind].t1024.push((await run(1024)).messagesPerSecond);
      const latency = await measureLatency(conn, { size: 16, count: 2000, warmup: 200, capMs: 30_000 });
      results[kind].p50.push(latency.p50);
      results[kind].p99.push(latency.p99);
      await conn.close();
      process.stderr.write(`round ${round} ${kind} done\n`);
    }
  }

  // Memory: `count` idle connections of one kind, each with one message echoed (so a
  // session has exchanged credentials and acknowledgements), server and client heap.
  const count = Number(args.sessions);
  const memory = {};
  for (const kind of ['plain', 'resume']) {
    const serverBefore = (await ask('heap')).heap;
    const clientBefore = heapAfterGc();
    const conns = [];
    for (let i = 0; i < count; i++) {
      const conn = await open(kind === 'resume');
      const echoed = firstValueFrom(conn.socket.packets$);
      conn.send(new Uint8Array(16));
      await within(echoed, 5000, 'echo');
      conns.push(conn);
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // the acknowledgement timers run out
    const serverAfter = await ask('heap');
    const clientAfter = heapAfterGc();
    memory[kind] = { serverBytesPerConnection: (serverAfter.heap - serverBefore) / count, clientBytesPerConnection: (clientAfter - clientBefore) / count, serverOpen: serverAfter.open };
    for (const conn of conns) await conn.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  server.kill();

  // The session layer alone, no sockets: two SessionCores joined directly, one echoing.
  const { SessionCore } = await import('../dist/esm/session/session-core.mjs');
  const { asyncScheduler } = await import('rxjs');
  const coreLimits = { windowMs: 30_000, maxBufferedBytes: 1 << 20, ackDelayMs: 20 };
  const a = new SessionCore(coreLimits, asyncScheduler, () => {});
  const b = new SessionCore(coreLimits, asyncScheduler, (p) => b.send(p.data, false));
  a.attach((frame) => (b.receive(frame), ErrorCode.OK), 0);
  b.attach((frame) => (a.receive(frame), ErrorCode.OK), 0);
  const corePayload = new Uint8Array(16);
  const coreRuns = [];
  for (let run = 0; run < 5; run++) {
    const n = 200_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) a.send(corePayload, false);
    coreRuns.push(((performance.now() - t0) * 1e6) / n / 4); // each echo: two sends, two receives
  }
  a.dispose();
  b.dispose();

  const m = (values) => median(values);
  const row = (name, plain, resume, unit, digits = 0) =>
    `| ${name} | ${plain.toFixed(digits)} ${unit} | ${resume.toFixed(digits)} ${unit} | ${((resume / plain) * 100).toFixed(1)} % |`;
  console.log(`resume vs plain rxpeer, ${rounds} rounds (medians), node ${process.version}, load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  console.log('| | plain | resume | resume / plain |');
  console.log('|---|---|---|---|');
  console.log(row('echo throughput, 16 B, 64 in flight', m(results.plain.t16), m(results.resume.t16), 'msg/s'));
  console.log(row('echo throughput, 1 KiB, 64 in flight', m(results.plain.t1024), m(results.resume.t1024), 'msg/s'));
  console.log(row('round trip p50, 16 B', m(results.plain.p50), m(results.resume.p50), 'µs', 1));
  console.log(row('round trip p99, 16 B', m(results.plain.p99), m(results.resume.p99), 'µs', 1));
  console.log(row(`server heap per connection (${count} idle)`, memory.plain.serverBytesPerConnection, memory.resume.serverBytesPerConnection, 'B'));
  console.log(row(`client heap per connection (${count} idle)`, memory.plain.clientBytesPerConnection, memory.resume.clientBytesPerConnection, 'B'));
  console.log(`p50 difference: ${(m(results.resume.p50) - m(results.plain.p50)).toFixed(1)} µs`);
  console.log(`session layer alone (no sockets): ${m(coreRuns).toFixed(0)} ns per message sent or received`);
  console.log(JSON.stringify({ results, memory, coreRuns }));
}
