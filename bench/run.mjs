// `npm run bench`: where rxpeer stands against raw ws and RxJS's webSocket, in one run,
// as ratios taken within each round (absolute numbers on a shared machine are noise).
//
//   npm run bench                  full run (a few minutes): writes BENCHMARKS.md and
//                                  bench/results/latest.json
//   npm run bench -- --quick       short smoke run: prints the table, writes only
//                                  bench/results/quick.json.tmp
// Options: --rounds N  --server-rounds N  --only 1,2,3,4,5,6,7  --clients ws,from-peer,…
//          --profile (node --cpu-prof in every child, into bench/results/profiles/)
//          --write / --no-write (BENCHMARKS.md and latest.json; default: full runs write)
//
// Every process is separate: the echo server (or the server under test) in one, the
// client being measured in another, this orchestrator in a third that only waits.
// All traffic is on 127.0.0.1. Every measurement is bounded by a message count and a
// wall-clock cap, and the whole run by a watchdog.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLIENT_ORDER, CLIENTS } from './clients.mjs';
import { PEER_BUFFER_BYTES } from './common.mjs';
import { REDIS_FULL, REDIS_QUICK, renderRedisMarkdown, runRedisBench } from './redis.mjs';
import { renderMarkdown, summarize, updateBenchmarksFile } from './report.mjs';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..');

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'server-rounds': { type: 'string' },
    only: { type: 'string' },
    clients: { type: 'string' },
    profile: { type: 'boolean', default: false },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (options.help) {
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  console.log(source.split('\n').filter((l) => l.startsWith('//')).slice(0, 11).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}

const FULL = {
  rounds: 5,
  serverRounds: 3,
  sizes: [16, 1024, 65536],
  inFlight: 64,
  warmMs: 250,
  measureMs: 1000,
  maxMessages: 2_000_000,
  roundTrips: 2000,
  latencySize: 16,
  idleCounts: [1000, 10000],
  idleWindowMs: 5000,
  idleConcurrency: 256,
  acceptConnections: 1000,
  acceptConcurrency: 100,
  // Part 7: a server under many clients, each echoing one message after the other.
  crowdConnections: 10_000,
  crowdEchoes: 100,
  crowdInFlight: 10,
  crowdSize: 32,
  crowdProcesses: 2,
  crowdConcurrency: 100,
  crowdWarm: 200,
  crowdRounds: 1,
  watchdogMs: 12 * 60_000,
};
const QUICK = {
  ...FULL,
  rounds: 1,
  serverRounds: 1,
  warmMs: 100,
  measureMs: 300,
  roundTrips: 300,
  idleCounts: [1000],
  idleWindowMs: 1000,
  acceptConnections: 200,
  crowdConnections: 1000,
  crowdEchoes: 20,
  crowdWarm: 50,
  watchdogMs: 3 * 60_000,
};
const config = { ...(options.quick ? QUICK : FULL), peerBufferBytes: PEER_BUFFER_BYTES };
if (options.rounds) config.rounds = Number(options.rounds);
if (options['server-rounds']) config.serverRounds = Number(options['server-rounds']);
const parts = new Set((options.only ?? '1,2,3,4,5,6,7').split(',').map(Number));
// Part 4 (across nodes, rxpeer/redis) needs Debian's redis-server; without it the part is skipped, and said so.
const redisConfig = options.quick ? REDIS_QUICK : REDIS_FULL;
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
const clients = options.clients ? options.clients.split(',') : CLIENT_ORDER;
for (const c of clients) if (!(c in CLIENTS)) throw new Error(`unknown client ${c}; known: ${CLIENT_ORDER.join(', ')}`);
if (!clients.includes('ws')) clients.unshift('ws'); // ratios need the ceiling
const write = options['no-write'] ? false : (options.write ?? !options.quick);
const SERVER_KINDS = ['ws', 'tcp-server', 'listen'];

// ---- file descriptors: 10,000 idle connections need more than the usual 1024 ----

function fdLimits() {
  const read = (flag) => Number(spawnSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).stdout.trim());
  return { soft: read('-Sn'), hard: read('-Hn') };
}
let limits = fdLimits();
if (limits.soft < limits.hard && !process.env.RXPEER_BENCH_FD_RAISED) {
  // Raise the soft limit to the hard one for this run (children inherit it), by re-running under sh.
  const result = spawnSync('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, RXPEER_BENCH_FD_RAISED: '1' },
  });
  process.exit(result.status ?? 1);
}
config.idleCounts = config.idleCounts.filter((count) => {
  if (count + 200 <= limits.soft) return true;
  console.error(`note: skipping ${count} idle connections: the open-file limit is ${limits.soft} (hard ${limits.hard})`);
  return false;
});
const crowdFits = config.crowdConnections + 200 <= limits.soft;
if (parts.has(7) && !crowdFits) {
  console.error(`note: skipping part 7 (${config.crowdConnections} clients): the open-file limit is ${limits.soft} (hard ${limits.hard})`);
}

if (!existsSync(join(root, 'dist/esm/index.mjs'))) {
  console.error('dist/ is missing: run `node scripts/build.mjs` first (npm run bench does).');
  process.exit(1);
}

// ---- progress line ----

const startedAt = Date.now();
const tty = process.stderr.isTTY;
let stepDone = 0;
let stepTotal = 0;
let stepText = '';
function elapsed() {
  const s = Math.round((Date.now() - startedAt) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
function showProgress(detail = '') {
  const line = `[${elapsed()}] ${stepDone}/${stepTotal} ${stepText}${detail ? ` · ${detail}` : ''}`;
  if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
  else if (!detail) process.stderr.write(`${line}\n`);
}
function step(text) {
  stepText = text;
  showProgress();
}
function stepFinished() {
  stepDone++;
}
function endProgress() {
  if (tty) process.stderr.write('\r\x1b[K');
}

// ---- child processes ----

const profileDir = join(here, 'results/profiles');
if (options.profile) mkdirSync(profileDir, { recursive: true });
const live = new Set();

let profileCount = 0;
/** With --profile, every child writes bench/results/profiles/NN-<what it is>.cpuprofile. */
function childExecArgv(name, extra = []) {
  if (!options.profile) return extra;
  const file = `${String(++profileCount).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '_')}.cpuprofile`;
  return [...extra, '--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${file}`];
}

/** Starts a server process; resolves once it listens. */
function startServer(kind, { execArgv = [], name = `server-${kind}` } = {}) {
  const child = fork(join(here, 'echo-server.mjs'), ['--kind', kind], {
    execArgv: childExecArgv(name, execArgv),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let nextId = 1;
  const pending = new Map();
  const server = {
    kind,
    port: 0,
    request(name) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, resolve);
        child.send({ type: 'request', id, request: name });
        setTimeout(() => reject(new Error(`${kind} server: no answer to ${name}`)), 5000).unref();
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'request', id: 0, request: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start`)), 15_000);
    child.on('message', (message) => {
      if (message.type === 'listening') {
        clearTimeout(timer);
        server.port = message.port;
        resolve(server);
      } else if (message.type === 'reply') {
        pending.get(message.id)?.(message.data);
        pending.delete(message.id);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited (${code})`));
    });
  });
}

/** Runs one measuring child to completion; its 'ask' requests go to `server`. */
function runMeasurement(file, args, { capMs, server, execArgv = [], name = file }) {
  const child = fork(join(here, file), args.map(String), {
    execArgv: childExecArgv(name, execArgv),
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let outcome = null;
    const timer = setTimeout(() => {
      outcome ??= { error: `${file}: no result within ${Math.round(capMs / 1000)} s` };
      child.kill('SIGKILL');
    }, capMs);
    child.on('message', async (message) => {
      if (message.type === 'progress') showProgress(message.text);
      else if (message.type === 'result') outcome ??= { result: message.result };
      else if (message.type === 'failed') outcome ??= { error: message.message };
      else if (message.type === 'ask') {
        const data = await server.request(message.request);
        if (child.connected) child.send({ type: 'reply', id: message.id, data });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      outcome ??= { error: `${file} exited (${signal ?? code}) without a result\n${stderr}` };
      if (outcome.error) reject(new Error(outcome.error));
      else resolve(outcome.result);
    });
  });
}

const watchdog = setTimeout(() => {
  endProgress();
  console.error(`\nbench: stopped by the watchdog after ${config.watchdogMs / 60_000} min`);
  for (const child of live) child.kill('SIGKILL');
  process.exit(2);
}, config.watchdogMs);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

// ---- the machine ----

function machine() {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1].trim();
  } catch {}
  const version = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim();
    if (dirty) commit += ' + uncommitted changes in src/';
  } catch {}
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    ws: version('ws'),
    rxjs: version('rxjs'),
    rxpeer: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
    commit,
    openFileLimit: limits.soft,
    loadAverageAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

// ---- the parts ----

const errors = [];
function fail(where, error) {
  errors.push({ where, message: String(error?.message ?? error).split('\n').slice(0, 6).join('\n') });
  endProgress();
  console.error(`\n${where}: ${error?.message ?? error}`);
}

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

async function part1() {
  const rounds = [];
  let echo;
  try {
    echo = await startServer('ws');
  } catch (error) {
    fail('part 1: echo server', error);
    return { rounds, serverStats: null };
  }
  for (let round = 0; round < config.rounds; round++) {
    const results = {};
    for (const client of rotate(clients, round)) {
      step(`part 1 · round ${round + 1}/${config.rounds} · ${CLIENTS[client].label}`);
      try {
        results[client] = await runMeasurement(
          'client.mjs',
          [
            '--client', client,
            '--url', `ws://127.0.0.1:${echo.port}`,
            '--sizes', config.sizes.join(','),
            '--in-flight', config.inFlight,
            '--warm-ms', config.warmMs,
            '--measure-ms', config.measureMs,
            '--max-messages', config.maxMessages,
            '--round-trips', config.roundTrips,
            '--latency-size', config.latencySize,
          ],
          { capMs: 60_000, server: echo, name: `client-${client}-round${round + 1}` },
        );
      } catch (error) {
        results[client] = { error: String(error.message).split('\n')[0] };
        fail(`part 1, round ${round + 1}, ${client}`, error);
      }
      stepFinished();
    }
    rounds.push(results);
  }
  const serverStats = await echo.request('stats').catch(() => null);
  await echo.stop();
  return { rounds, serverStats };
}

async function part2() {
  const runs = [];
  for (const count of config.idleCounts) {
    for (const client of ['ws', 'from-peer']) {
      step(`part 2 · ${count} idle connections · ${client === 'ws' ? 'raw ws' : 'fromPeer, on demand'}`);
      let echo;
      try {
        // A fresh echo server (and port) each time: no leftovers, no TIME_WAIT clashes.
        echo = await startServer('ws');
        const result = await runMeasurement(
          'idle-client.mjs',
          [
            '--client', client,
            '--url', `ws://127.0.0.1:${echo.port}`,
            '--count', count,
            '--window-ms', config.idleWindowMs,
            '--concurrency', config.idleConcurrency,
          ],
          { capMs: 150_000, server: echo, execArgv: ['--expose-gc'], name: `idle-${client}-${count}` },
        );
        runs.push(result);
      } catch (error) {
        runs.push({ client, count, error: String(error.message).split('\n')[0] });
        fail(`part 2, ${count} × ${client}`, error);
      } finally {
        await echo?.stop();
      }
      stepFinished();
    }
  }
  return { runs };
}

async function part3() {
  const rounds = [];
  for (let round = 0; round < config.serverRounds; round++) {
    const results = {};
    for (const kind of rotate(SERVER_KINDS, round)) {
      step(`part 3 · round ${round + 1}/${config.serverRounds} · server ${kind}`);
      let server;
      try {
        server = await startServer(kind);
        const result = await runMeasurement(
          'load-client.mjs',
          [
            '--url', `ws://127.0.0.1:${server.port}`,
            '--sizes', config.sizes.join(','),
            '--in-flight', config.inFlight,
            '--warm-ms', config.warmMs,
            '--measure-ms', config.measureMs,
            '--max-messages', config.maxMessages,
            '--connections', config.acceptConnections,
            '--concurrency', config.acceptConcurrency,
          ],
          { capMs: 90_000, server, name: `load-for-${kind}-round${round + 1}` },
        );
        result.serverStats = await server.request('stats').catch(() => null);
        results[kind] = result;
      } catch (error) {
        results[kind] = { error: String(error.message).split('\n')[0] };
        fail(`part 3, round ${round + 1}, ${kind}`, error);
      } finally {
        await server?.stop();
      }
      stepFinished();
    }
    rounds.push(results);
  }
  return { rounds };
}

/** Stack against stack at 16 B: an rxpeer client on an rxpeer listen() server against a ws client on a ws server. */
async function part5() {
  const rounds = [];
  const pairs = [
    ['ws', 'ws'],
    ['from-peer', 'listen'],
  ];
  for (let round = 0; round < config.rounds; round++) {
    const results = {};
    for (const [client, kind] of rotate(pairs, round)) {
      step(`part 5 · round ${round + 1}/${config.rounds} · ${client} client on a ${kind} server`);
      let server;
      try {
        server = await startServer(kind);
        results[client] = await runMeasurement(
          'client.mjs',
          [
            '--client', client,
            '--url', `ws://127.0.0.1:${server.port}`,
            '--sizes', 16,
            '--in-flight', config.inFlight,
            '--warm-ms', config.warmMs,
            '--measure-ms', config.measureMs,
            '--max-messages', config.maxMessages,
            '--round-trips', config.roundTrips,
            '--latency-size', 16,
          ],
          { capMs: 60_000, server, name: `stack-${client}-on-${kind}-round${round + 1}` },
        );
      } catch (error) {
        results[client] = { error: String(error.message).split('\n')[0] };
        fail(`part 5, round ${round + 1}, ${client} on ${kind}`, error);
      } finally {
        await server?.stop();
      }
      stepFinished();
    }
    rounds.push(results);
  }
  return { rounds };
}

/** The relay's memory per queued packet (bench/relay-memory.mjs). */
async function part6() {
  step('part 6 · relay memory per queued packet');
  try {
    return await runMeasurement('relay-memory.mjs', [], { capMs: 120_000, server: null, execArgv: ['--expose-gc'], name: 'relay-memory' });
  } catch (error) {
    fail('part 6', error);
    return { error: String(error.message).split('\n')[0] };
  } finally {
    stepFinished();
  }
}

/**
 * A server under many clients: `crowdConnections` raw ws clients, spread over
 * `crowdProcesses` load processes, open (a bounded number of handshakes in flight) and then
 * every one echoes `crowdEchoes` messages, `crowdInFlight` outstanding at a time, all at once. Measures the
 * time from the first handshake to the last echo, the server's CPU over it, and the
 * server's memory per connection once every client has echoed (after full collections,
 * against the same server after a warm-up and before the clients came).
 */
async function part7() {
  const rounds = [];
  const kinds = ['ws', 'listen'];
  for (let round = 0; round < config.crowdRounds; round++) {
    const results = {};
    for (const kind of rotate(kinds, round)) {
      step(`part 7 · round ${round + 1}/${config.crowdRounds} · ${int(config.crowdConnections)} clients on ${kind}`);
      let server;
      const loaders = [];
      try {
        server = await startServer(kind, { execArgv: ['--expose-gc'], name: `crowd-server-${kind}-round${round + 1}` });
        results[kind] = await crowdRun(server, kind, round, loaders);
      } catch (error) {
        results[kind] = { error: String(error.message).split('\n')[0] };
        fail(`part 7, round ${round + 1}, ${kind}`, error);
      } finally {
        for (const loader of loaders) loader.child.kill('SIGKILL');
        await server?.stop();
      }
      stepFinished();
    }
    rounds.push(results);
  }
  return { rounds };
}

function int(n) {
  return n.toLocaleString('en-US');
}

/** One server under the crowd: the load processes step through their phases together. */
async function crowdRun(server, kind, round, loaders) {
  const processes = config.crowdProcesses;
  const share = (i) => Math.floor(config.crowdConnections / processes) + (i < config.crowdConnections % processes ? 1 : 0);
  for (let i = 0; i < processes; i++) {
    const child = fork(
      join(here, 'crowd-client.mjs'),
      [
        '--url', `ws://127.0.0.1:${server.port}`,
        '--count', share(i),
        '--echoes', config.crowdEchoes,
        '--in-flight', config.crowdInFlight,
        '--size', config.crowdSize,
        '--concurrency', Math.max(1, Math.round(config.crowdConcurrency / processes)),
        '--warm', Math.max(1, Math.round(config.crowdWarm / processes)),
      ].map(String),
      { execArgv: childExecArgv(`crowd-load-${kind}-round${round + 1}-${i + 1}`), stdio: ['ignore', 'inherit', 'pipe', 'ipc'] },
    );
    live.add(child);
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    const loader = { child, waiters: [], result: null, failure: null };
    child.on('message', (message) => {
      if (message.type === 'result') loader.result = message.result;
      else if (message.type === 'failed') loader.failure = message.message;
      else if (message.type === 'ready' || message.type === 'phase-done') loader.waiters.shift()?.resolve(message.phase ?? 'ready');
    });
    child.on('exit', (code, signal) => {
      live.delete(child);
      const why = loader.failure ?? (loader.result === null ? `exited (${signal ?? code})\n${stderr}` : null);
      for (const w of loader.waiters.splice(0)) why === null ? w.resolve('exit') : w.reject(new Error(`load process ${i + 1}: ${why}`));
    });
    loaders.push(loader);
  }
  const next = (loader) => new Promise((resolve, reject) => loader.waiters.push({ resolve, reject }));
  /** Every load process does `phase` (null: wait for what they announce next); bounded. */
  const all = async (phase, capMs) => {
    const waits = loaders.map(next);
    if (phase !== null) for (const { child } of loaders) child.send({ type: 'phase', phase });
    let timer;
    const cap = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${phase ?? 'start'}: not done within ${capMs / 1000} s`)), capMs);
    });
    try {
      await Promise.race([Promise.all(waits), cap]);
    } finally {
      clearTimeout(timer);
    }
  };
  await all(null, 15_000);
  await all('warm', 30_000);
  const before = await server.request('memory');
  const cpu0 = await server.request('cpu');
  const started = performance.now();
  showProgress('opening');
  await all('open', 70_000);
  const opened = performance.now();
  showProgress('echoing');
  await all('echo', 70_000);
  const echoed = performance.now();
  const cpu1 = await server.request('cpu');
  const after = await server.request('memory');
  const results = loaders.map((loader) => new Promise((resolve) => loader.child.once('exit', resolve)));
  for (const { child } of loaders) child.send({ type: 'phase', phase: 'close' });
  await Promise.race([Promise.all(results), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  const count = config.crowdConnections;
  const grown = (key) => (after.memory[key] - before.memory[key]) / count;
  const serverCpuMicros = cpu1.cpu.user + cpu1.cpu.system - cpu0.cpu.user - cpu0.cpu.system;
  return {
    kind,
    count,
    echoes: config.crowdEchoes,
    openMs: opened - started,
    echoMs: echoed - opened,
    totalMs: echoed - started,
    serverCpuMicros,
    serverCpuMicrosPerEcho: serverCpuMicros / (count * config.crowdEchoes),
    openAtMeasure: after.open,
    gc: after.gc,
    bytesPerConnection: {
      rss: grown('rss'),
      heapAndExternal: (after.memory.heapUsed + after.memory.external - before.memory.heapUsed - before.memory.external) / count,
      heapUsed: grown('heapUsed'),
      external: grown('external'),
    },
    memoryBefore: before.memory,
    memoryAfter: after.memory,
    loadCpuMicros: loaders.reduce((n, l) => n + (l.result?.cpuMicros ?? NaN), 0),
  };
}

// ---- run ----

stepTotal =
  (parts.has(1) ? config.rounds * clients.length : 0) +
  (parts.has(2) ? config.idleCounts.length * 2 : 0) +
  (parts.has(3) ? config.serverRounds * SERVER_KINDS.length : 0) +
  (parts.has(4) && hasRedis ? 1 + redisConfig.nodeCounts.length : 0) +
  (parts.has(5) ? config.rounds * 2 : 0) +
  (parts.has(6) ? 1 : 0) +
  (parts.has(7) && crowdFits ? config.crowdRounds * 2 : 0);

const raw = {
  schema: 1,
  date: new Date().toISOString(),
  mode: options.quick ? 'quick' : 'full',
  machine: machine(),
  config,
  clients: Object.fromEntries(clients.map((c) => [c, CLIENTS[c].label])),
};
console.error(
  `rxpeer bench (${raw.mode}): ${raw.machine.cpuModel}, ${raw.machine.cores} cores, Node ${raw.machine.node}, load ${raw.machine.loadAverageAtStart.join(' ')}`,
);
if (parts.has(1)) raw.part1 = await part1();
if (parts.has(2)) raw.part2 = await part2();
if (parts.has(3)) raw.part3 = await part3();
if (parts.has(4)) {
  if (!hasRedis) fail('part 4', new Error('redis-server is not installed (apt-get install redis-server): part 4 skipped'));
  else {
    let stepping = false;
    try {
      raw.part4 = await runRedisBench(redisConfig, (text) => {
        if (stepping) stepFinished();
        stepping = true;
        step(text);
      });
    } catch (error) {
      fail('part 4', error);
    } finally {
      if (stepping) stepFinished();
    }
  }
}
if (parts.has(5)) raw.part5 = await part5();
if (parts.has(6)) raw.part6 = await part6();
if (parts.has(7) && crowdFits) raw.part7 = await part7();
raw.machine.loadAverageAtEnd = loadavg().map((n) => Math.round(n * 100) / 100);
raw.durationSeconds = Math.round((Date.now() - startedAt) / 1000);
raw.errors = errors;
endProgress();

const summary = summarize(raw);
const markdown = renderMarkdown(raw, summary) + (raw.part4 === undefined ? '' : `\n${renderRedisMarkdown(raw.part4)}`);
process.stdout.write(`\n${markdown}\n`);

mkdirSync(join(here, 'results'), { recursive: true });
const json = `${JSON.stringify({ ...raw, summary }, null, 2)}\n`;
if (write) {
  writeFileSync(join(here, 'results/latest.json'), json);
  updateBenchmarksFile(join(root, 'BENCHMARKS.md'), markdown);
  console.error(`wrote BENCHMARKS.md and bench/results/latest.json (${raw.durationSeconds} s)`);
} else {
  writeFileSync(join(here, `results/${options.quick ? 'quick' : 'run'}.json.tmp`), json);
  console.error(`wrote bench/results/${options.quick ? 'quick' : 'run'}.json.tmp (${raw.durationSeconds} s; BENCHMARKS.md untouched)`);
}
process.exitCode = errors.length > 0 ? 1 : 0;
