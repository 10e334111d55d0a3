// Shared by the benchmark's processes: the settings every client uses, the drivers that
// measure a connection (throughput with a window of messages in flight, ping-pong
// latency), statistics, and the child side of the IPC protocol with bench/run.mjs.
import { performance } from 'node:perf_hooks';

/**
 * rxpeer's defaults are Godot's: 65535 bytes of queued payload each way. 64 messages of
 * 64 KiB in flight need more, so every rxpeer peer in the benchmark (client and server)
 * gets these limits; the raw ws and RxJS clients have no such limits.
 */
export const PEER_BUFFER_BYTES = 4 * 1024 * 1024;

/** A wall-clock cap on top of each measurement's own duration. */
export const STALL_MS = 5000;

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `--name value` pairs into an object (numbers converted), `--flag` into true. */
export function parseChildArgs(argv = process.argv.slice(2)) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args[key] = true;
    else {
      args[key] = /^-?\d+(\.\d+)?$/.test(next) ? Number(next) : next;
      i++;
    }
  }
  return args;
}

// ---- child side of the IPC protocol ----

export function report(type, data) {
  if (process.send) process.send({ type, ...data });
}

export function progress(text) {
  report('progress', { text });
}

let nextRequestId = 1;
const waiting = new Map();
process.on('message', (message) => {
  if (message?.type !== 'reply') return;
  const resolve = waiting.get(message.id);
  waiting.delete(message.id);
  resolve?.(message.data);
});

/** Asks the orchestrator something (e.g. the server's CPU usage) and waits for the answer. */
export function ask(request) {
  const id = nextRequestId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    report('ask', { id, request });
  });
}

/** Runs `main`, sends its result, exits; any failure is reported and exits non-zero. */
export function runChild(main) {
  // The orchestrator going away ends the child too.
  process.on('disconnect', () => process.exit(3));
  main(parseChildArgs()).then(
    (result) => {
      report('result', { result });
      process.disconnect?.();
      setTimeout(() => process.exit(0), 50).unref();
    },
    (error) => {
      report('failed', { message: String(error?.stack ?? error) });
      process.disconnect?.();
      setTimeout(() => process.exit(1), 50).unref();
    },
  );
}

// ---- measurement drivers ----
// A connection adapter is { send(bytes): boolean, onMessage(byteLength), close(): Promise }.
// The driver sets onMessage; adapters call it once per message received, in order.

/**
 * Echo throughput with `inFlight` messages outstanding: every echo received sends the
 * next message. Counts echoes inside a window of `measureMs` (after `warmMs`), stopped
 * early at `maxMessages`; then lets the window drain so the connection is quiet again.
 * Also returns this process's CPU time per message in the window and, when
 * `sampleServer` is given (resolves to the server's { cpu, at }), the server's.
 */
export function measureThroughput(conn, { size, inFlight, warmMs, measureMs, maxMessages, sampleServer }) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.alloc(size, 0x5a);
    let sent = 0;
    let received = 0;
    let wrongSize = 0;
    let sendFailures = 0;
    let phase = 'warm';
    let r0 = 0;
    let t0 = 0;
    let cpu0 = null;
    let window = null;
    let lastReceived = 0;
    let windowTimer = null;
    let server0 = null;
    let server1 = null;
    const timers = [];

    const finish = (error) => {
      for (const t of timers) clearTimeout(t);
      clearTimeout(windowTimer);
      clearInterval(watchdog);
      conn.onMessage = () => {};
      if (error) return reject(error);
      if (server0 === null) return resolve({ ...window, wrongSize, sendFailures });
      Promise.all([server0, server1]).then(([a, b]) => {
        const micros = b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system;
        resolve({
          ...window,
          serverCpuMicrosPerMessage: micros / window.messages,
          serverCpuPercent: (micros / 1000 / (b.at - a.at)) * 100,
          wrongSize,
          sendFailures,
        });
      }, reject);
    };
    const endWindow = () => {
      if (phase !== 'measure') return;
      const elapsedMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const messages = received - r0;
      if (sampleServer) server1 = sampleServer();
      phase = 'drain';
      window = {
        messages,
        elapsedMs,
        messagesPerSecond: (messages * 1000) / elapsedMs,
        megabytesPerSecond: (messages * size * 1000) / elapsedMs / 1e6,
        cpuMicrosPerMessage: (cpu.user + cpu.system) / messages,
        cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      };
      if (received >= sent) finish();
    };
    const sendOne = () => {
      if (conn.send(payload)) sent++;
      else sendFailures++;
    };
    conn.onMessage = (byteLength) => {
      received++;
      if (byteLength !== size) wrongSize++;
      if (phase === 'drain') {
        if (received >= sent) finish();
        return;
      }
      if (phase === 'measure' && received - r0 >= maxMessages) return endWindow();
      sendOne();
    };
    // A stalled connection (lost messages, a peer that stops polling) fails the run.
    const watchdog = setInterval(() => {
      if (received === lastReceived) finish(new Error(`throughput ${size} B: no echo for ${STALL_MS} ms (sent ${sent}, received ${received}, send failures ${sendFailures})`));
      lastReceived = received;
    }, STALL_MS);
    timers.push(
      setTimeout(() => {
        phase = 'measure';
        if (sampleServer) server0 = sampleServer();
        r0 = received;
        cpu0 = process.cpuUsage();
        t0 = performance.now();
        windowTimer = setTimeout(endWindow, measureMs);
      }, warmMs),
    );
    for (let i = 0; i < inFlight; i++) sendOne();
  });
}

/** Ping-pong: one message in flight, `count` timed round trips after `warmup` untimed ones. */
/** measureThroughput for each size in turn, with the run's arguments; `{ [size]: result }`. */
export async function measureSizes(conn, sizes, args) {
  const throughput = {};
  for (const size of sizes) {
    progress(`${size} B throughput`);
    throughput[size] = await measureThroughput(conn, {
      size,
      inFlight: args['in-flight'],
      warmMs: args['warm-ms'],
      measureMs: args['measure-ms'],
      maxMessages: args['max-messages'],
      sampleServer: () => ask('cpu'),
    });
  }
  return throughput;
}

export function measureLatency(conn, { size, count, warmup, capMs }) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.alloc(size, 0x5a);
    const samples = new Float64Array(count);
    let index = -warmup;
    let sentAt = 0;
    let wrongSize = 0;
    const started = performance.now();
    const cap = setTimeout(() => {
      conn.onMessage = () => {};
      reject(new Error(`latency: ${Math.max(0, index)} of ${count} round trips within ${capMs} ms`));
    }, capMs);
    conn.onMessage = (byteLength) => {
      const now = performance.now();
      if (byteLength !== size) wrongSize++;
      if (index >= 0) samples[index] = now - sentAt;
      index++;
      if (index >= count) {
        clearTimeout(cap);
        conn.onMessage = () => {};
        const micros = Array.from(samples, (ms) => ms * 1000).sort((a, b) => a - b);
        resolve({
          roundTrips: count,
          p50: percentile(micros, 0.5),
          p90: percentile(micros, 0.9),
          p99: percentile(micros, 0.99),
          max: micros[micros.length - 1],
          mean: micros.reduce((a, b) => a + b, 0) / micros.length,
          elapsedMs: performance.now() - started,
          wrongSize,
        });
        return;
      }
      sentAt = performance.now();
      if (!conn.send(payload)) {
        clearTimeout(cap);
        reject(new Error('latency: send failed'));
      }
    };
    sentAt = performance.now();
    conn.send(payload);
  });
}

// ---- statistics ----

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function median(values) {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

export function range(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? [NaN, NaN] : [Math.min(...finite), Math.max(...finite)];
}

/** Opens `count` connections with at most `concurrency` handshakes at a time. */
export async function openMany(count, concurrency, open) {
  const connections = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      connections[i] = await open(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return connections;
}

/** Rejects with `what` when `promise` does not settle within `ms`. */
export function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
