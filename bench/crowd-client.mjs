// Part 7, one of the load processes of "a server under many clients": raw ws clients
// (perMessageDeflate off), each connection echoing `echoes` messages with `in-flight` of
// them outstanding (each echo sends the next), every connection of the process at once. The
// orchestrator runs several of these side by side and steps them through phases, so that
// every process opens, echoes and closes together:
//   'warm'  → open `warm` connections, echo on each, close them  → 'warmed'
//   'open'  → open `count` connections, `concurrency` handshakes in flight → 'opened'
//   'echo'  → every connection echoes `echoes` times → 'echoed'
//   'close' → drop the connections, then the result (this process's CPU time)
//   node bench/crowd-client.mjs --url ws://… --count 5000 --echoes 100 --in-flight 10
//     --size 32 --concurrency 50 --warm 100
import WebSocket from 'ws';
import { parseChildArgs, report, sleep } from './common.mjs';

const args = parseChildArgs();
const payload = Buffer.alloc(args.size, 7);
/** Every wait is bounded: a phase that takes longer fails the run instead of hanging it. */
const PHASE_CAP_MS = args['phase-cap-ms'] ?? 60_000;

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function openAll(url, count, concurrency) {
  const connections = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      connections.push(await open(url));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return connections;
}

/**
 * Every connection echoes `echoes` messages with `inFlight` of them outstanding (each echo
 * received sends the next, until all were sent); resolves when every echo came back.
 */
function echoAll(connections, echoes, inFlight) {
  return new Promise((resolve, reject) => {
    let running = connections.length;
    if (running === 0) return resolve();
    const window = Math.min(inFlight, echoes);
    for (const ws of connections) {
      let unsent = echoes - window;
      let missing = echoes;
      ws.on('message', () => {
        if (unsent > 0) {
          unsent--;
          ws.send(payload);
        }
        if (--missing === 0 && --running === 0) resolve();
      });
      ws.once('close', () => reject(new Error('a connection closed during the echoes')));
      for (let i = 0; i < window; i++) ws.send(payload);
    }
  });
}

function capped(promise, what) {
  let timer;
  const cap = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${PHASE_CAP_MS / 1000} s`)), PHASE_CAP_MS);
  });
  return Promise.race([promise, cap]).finally(() => clearTimeout(timer));
}

let connections = [];
const cpuAtStart = process.cpuUsage();

async function phase(name) {
  if (name === 'warm') {
    const warm = await capped(openAll(`${args.url}/crowd-warm`, args.warm, args.concurrency), 'warm-up');
    await capped(echoAll(warm, Math.min(args.echoes, 10), args['in-flight']), 'warm-up echoes');
    for (const ws of warm) ws.terminate();
    await sleep(200); // the server sees the closes before its memory is read
    return 'warmed';
  }
  if (name === 'open') {
    connections = await capped(openAll(`${args.url}/crowd`, args.count, args.concurrency), `opening ${args.count} connections`);
    return 'opened';
  }
  if (name === 'echo') {
    await capped(echoAll(connections, args.echoes, args['in-flight']), `${args.echoes} echoes on ${args.count} connections`);
    return 'echoed';
  }
  if (name === 'close') {
    for (const ws of connections) {
      ws.removeAllListeners('close');
      ws.terminate();
    }
    const cpu = process.cpuUsage(cpuAtStart);
    report('result', { result: { count: args.count, cpuMicros: cpu.user + cpu.system } });
    process.disconnect?.();
    setTimeout(() => process.exit(0), 50).unref();
    return null;
  }
  throw new Error(`unknown phase ${name}`);
}

process.on('disconnect', () => process.exit(3));
process.on('message', (message) => {
  if (message?.type !== 'phase') return;
  phase(message.phase).then(
    (done) => done !== null && report('phase-done', { phase: done }),
    (error) => {
      report('failed', { message: String(error?.stack ?? error) });
      process.disconnect?.();
      setTimeout(() => process.exit(1), 50).unref();
    },
  );
});
report('ready', {});
