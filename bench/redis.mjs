// The cost of crossing a node (rxpeer/redis), part 4 of `npm run bench` (or alone:
// `node bench/redis.mjs [--quick]` after `npm run build`; needs Debian's redis-server).
//
// Every node is a separate process (dist/examples/cluster/node.js: a Godot 3 relay on a
// redisBus), every Redis is a fresh redis-server on a free loopback port without
// persistence, and the clients are raw `ws` sockets speaking Godot 3's multiplayer protocol
// in this process, so what is measured is the servers and the bus, not a client library.
//   Latency: ping-pong round trips between two clients on the same node, then on two nodes.
//   Fan-out: 1,000 clients spread over 1, 2 and 4 nodes; one client broadcasts, every other
//            client counts what arrives: deliveries per second until the last one arrived.
//   Memory: heap and RSS of a node per connected client, and Redis's own memory per client.
import { fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { percentile } from './common.mjs';

const here = new URL('.', import.meta.url).pathname;
const NODE_SCRIPT = join(here, '..', 'dist', 'examples', 'cluster', 'node.js');

export const REDIS_FULL = { roundTrips: 2000, clients: 1000, nodeCounts: [1, 2, 4], broadcasts: 200, fanoutRounds: 3 };
export const REDIS_QUICK = { roundTrips: 300, clients: 200, nodeCounts: [1, 2], broadcasts: 50, fanoutRounds: 1 };

const DATA = 0;
const ADD = 1;
const DEL = 2;
const ID = 3;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('close', resolve));
  await waitForLine(child, /Ready to accept connections/, 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function waitForLine(child, pattern, ms) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${ms} ms`)), ms);
    lines.on('line', (line) => {
      if (!pattern.test(line)) return;
      clearTimeout(timer);
      lines.removeAllListeners('line');
      lines.on('line', () => {}); // keep draining
      resolve(line);
    });
    child.once('close', () => reject(new Error(`exited before printing ${pattern}`)));
  });
}

async function startNode(redisUrl) {
  const child = fork(NODE_SCRIPT, ['--redis', redisUrl, '--relay-port', '0'], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('close', resolve));
  const ready = await waitForLine(child, /^ready node /, 15_000);
  return {
    port: Number(/relay (\d+)/.exec(ready)[1]),
    stats() {
      return new Promise((resolve) => {
        child.once('message', (message) => resolve(message.memory));
        child.send('stats');
      });
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A raw Godot 3 multiplayer client: its id, the ids it knows, and a handler for data. */
function godot3Client(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const client = { ws, id: 0, peers: new Set(), onData: null, connected: null };
  client.connected = new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const type = data[0];
      if (type === DATA) return client.onData?.(data.readInt32LE(1), data.subarray(9));
      const id = data.readInt32LE(9);
      if (type === ID) client.id = id;
      else if (type === ADD) {
        if (id === 1) resolve(client);
        else client.peers.add(id);
      } else if (type === DEL) client.peers.delete(id);
    });
  });
  client.send = (to, payload) => {
    const message = Buffer.allocUnsafe(9 + payload.byteLength);
    message[0] = DATA;
    message.writeInt32LE(client.id, 1);
    message.writeInt32LE(to, 5);
    message.set(payload, 9);
    ws.send(message);
  };
  client.close = () =>
    new Promise((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      ws.once('close', resolve);
      ws.terminate();
    });
  return client;
}

async function until(what, predicate, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Round trips from `a` to `b` and back (b echoes); returns the times in ms. */
async function pingPong(a, b, count) {
  b.onData = (from, payload) => b.send(from, payload);
  const times = [];
  const payload = Buffer.alloc(16);
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await new Promise((resolve) => {
      a.onData = () => resolve();
      a.send(b.id, payload);
    });
    times.push(performance.now() - started);
  }
  return times;
}

function summary(times) {
  const sorted = [...times].sort((x, y) => x - y);
  return { p50: round3(percentile(sorted, 0.5)), p99: round3(percentile(sorted, 0.99)) };
}

const round3 = (n) => Math.round(n * 1000) / 1000;

async function latency(config) {
  const redis = await startRedis();
  const nodes = [];
  const clients = [];
  try {
    nodes.push(await startNode(redis.url), await startNode(redis.url));
    const [a, b] = [godot3Client(nodes[0].port), godot3Client(nodes[0].port)];
    const c = godot3Client(nodes[1].port);
    clients.push(a, b, c);
    await Promise.all(clients.map((client) => client.connected));
    await until('the three clients to know each other', () => a.peers.has(b.id) && a.peers.has(c.id) && c.peers.has(a.id));
    const warm = Math.min(200, config.roundTrips);
    await pingPong(a, b, warm);
    await pingPong(a, c, warm);
    const sameNode = summary(await pingPong(a, b, config.roundTrips));
    const crossNode = summary(await pingPong(a, c, config.roundTrips));
    return { roundTrips: config.roundTrips, sameNode, crossNode };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
  }
}

/** Opens `count` clients spread round-robin over `nodes`, `concurrency` at a time. */
async function openClients(nodes, count, concurrency = 100) {
  const clients = [];
  for (let i = 0; i < count; i += concurrency) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + concurrency); j++) batch.push(godot3Client(nodes[j % nodes.length].port));
    await Promise.all(batch.map((client) => client.connected));
    clients.push(...batch);
  }
  return clients;
}

async function redisMemory(redisUrl) {
  const { createClient } = await import('redis');
  const client = createClient({ url: redisUrl });
  await client.connect();
  const info = await client.info('memory');
  client.destroy();
  return Number(/used_memory:(\d+)/.exec(info)[1]);
}

async function fanout(config, nodeCount) {
  const redis = await startRedis();
  const nodes = [];
  let clients = [];
  try {
    for (let i = 0; i < nodeCount; i++) nodes.push(await startNode(redis.url));
    const heapBefore = (await nodes[0].stats()).heapUsed;
    const rssBefore = (await nodes[0].stats()).rss;
    const redisBefore = await redisMemory(redis.url);
    clients = await openClients(nodes, config.clients);
    const [sender, ...receivers] = clients;
    await until('every client to know every other', () => clients.every((client) => client.peers.size === config.clients - 1), 60_000);
    const memory = await nodes[0].stats();
    const perNode = Math.ceil(config.clients / nodeCount);
    const redisAfter = await redisMemory(redis.url);
    const rounds = [];
    const payload = Buffer.alloc(16);
    for (let round = 0; round < config.fanoutRounds; round++) {
      let received = 0;
      let last = 0;
      for (const client of receivers) {
        client.onData = () => {
          received++;
          last = performance.now();
        };
      }
      const expected = config.broadcasts * receivers.length;
      const started = performance.now();
      for (let i = 0; i < config.broadcasts; i++) sender.send(0, payload);
      await until(`${expected} deliveries`, () => received >= expected, 60_000).catch(() => {});
      const seconds = ((received >= expected ? last : performance.now()) - started) / 1000;
      rounds.push({ deliveries: received, expected, perSecond: Math.round(received / seconds) });
    }
    const rates = rounds.map((r) => r.perSecond).sort((x, y) => x - y);
    return {
      nodes: nodeCount,
      clients: config.clients,
      broadcasts: config.broadcasts,
      deliveriesPerSecond: rates[Math.floor(rates.length / 2)],
      lost: rounds.reduce((sum, r) => sum + r.expected - r.deliveries, 0),
      rounds,
      ...(nodeCount === 1
        ? {}
        : {
            memory: {
              nodeHeapPerClientBytes: Math.round((memory.heapUsed - heapBefore) / perNode),
              nodeRssPerClientBytes: Math.round((memory.rss - rssBefore) / perNode),
              redisPerClientBytes: Math.round((redisAfter - redisBefore) / config.clients),
            },
          }),
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
  }
}

/** Runs part 4; `step` hears progress. */
export async function runRedisBench(config, step = () => {}) {
  step('part 4 · relay latency, same node and across nodes');
  const latencyResult = await latency(config);
  const fanoutResults = [];
  for (const nodeCount of config.nodeCounts) {
    step(`part 4 · broadcast fan-out, ${config.clients} clients on ${nodeCount} node(s)`);
    fanoutResults.push(await fanout(config, nodeCount));
  }
  return { config, latency: latencyResult, fanout: fanoutResults };
}

export function renderRedisMarkdown(part4) {
  const { latency: l, fanout: f, config: c } = part4;
  const out = [];
  out.push('### Part 4: across nodes (rxpeer/redis)');
  out.push('');
  out.push(
    `Nodes are \`dist/examples/cluster/node.js\` processes (a Godot 3 relay on a redisBus) on one fresh redis-server; ` +
      `clients are raw \`ws\` sockets speaking Godot 3's protocol. Latency: ${l.roundTrips} ping-pong round trips of 16 B ` +
      `(each round trip is two relayed packets, so crossing nodes is paid twice). Fan-out: ${c.clients} clients spread ` +
      `round-robin over the nodes, one broadcasts ${c.broadcasts} packets of 16 B, median of ${c.fanoutRounds} round(s).`,
  );
  out.push('');
  out.push('| relay round trip | p50 ms | p99 ms |');
  out.push('| --- | ---: | ---: |');
  out.push(`| same node | ${l.sameNode.p50} | ${l.sameNode.p99} |`);
  out.push(`| across two nodes | ${l.crossNode.p50} | ${l.crossNode.p99} |`);
  out.push(`| difference | ${round3(l.crossNode.p50 - l.sameNode.p50)} | ${round3(l.crossNode.p99 - l.sameNode.p99)} |`);
  out.push('');
  const perCrossing = round3((l.crossNode.p99 - l.sameNode.p99) / 2);
  out.push(
    `Target: a packet across nodes costs at most 1 ms more at p99 than on one node. A round trip crosses twice, so one ` +
      `crossing costs ${perCrossing} ms at p99: ${perCrossing <= 1 ? 'met' : 'not met'}. What it pays for: a PUBLISH to ` +
      'Redis and Redis handing it to the other node (two loopback hops and a Redis event-loop turn), and one more event-loop ' +
      'turn of the receiving node before its poll().',
  );
  out.push('');
  out.push('| broadcast fan-out | deliveries/s | lost |');
  out.push('| --- | ---: | ---: |');
  for (const row of f) out.push(`| ${row.clients} clients on ${row.nodes} node(s) | ${row.deliveriesPerSecond.toLocaleString('en-US')} | ${row.lost} |`);
  out.push('');
  out.push(
    'What limits fan-out here: one process holds all the client sockets (it parses every delivery), and with fewer ' +
      'cores than processes (nodes + clients + redis-server) the nodes share cores, so the rates follow the machine\'s ' +
      'load more than the node count; every node also receives every broadcast through Redis. `lost` counts deliveries ' +
      'that never arrived.',
  );
  const withMemory = f.find((row) => row.memory !== undefined);
  if (withMemory !== undefined) {
    const m = withMemory.memory;
    out.push('');
    out.push(
      `Memory per client on the bus (${withMemory.nodes} nodes, ${withMemory.clients} clients): a node's heap grows by ` +
        `${m.nodeHeapPerClientBytes.toLocaleString('en-US')} B and its RSS by ${m.nodeRssPerClientBytes.toLocaleString('en-US')} B ` +
        `per client of its own (its connection, and every other node's clients known as ids); Redis holds ` +
        `${m.redisPerClientBytes.toLocaleString('en-US')} B per client (its entry in its node's hash).`,
    );
  }
  out.push('');
  return out.join('\n');
}

const isMain = process.argv[1] !== undefined && new URL(import.meta.url).pathname === process.argv[1];
if (isMain) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const result = await runRedisBench(values.quick ? REDIS_QUICK : REDIS_FULL, (text) => console.error(text));
  console.log(renderRedisMarkdown(result));
}
