// Where the memory of an idle connection goes (the reading behind part 2's heap column):
// for raw ws and for fromPeer, opens N connections to a ws echo server (its own process),
// takes a heap snapshot before and after in the client's process, and prints the bytes per
// connection by kind of object (V8's constructor names, self sizes), side by side.
//   node bench/idle-breakdown.mjs [--count 5000] [--top 45]
// Compiled code shows up too ("code"): it is compiled once, so it shrinks with the count.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { openFromPeer, openRawWs } from './clients.mjs';
import { openMany, parseChildArgs, sleep } from './common.mjs';

const here = new URL('.', import.meta.url).pathname;
const args = parseChildArgs();
const count = args.count ?? 5000;
const CLIENTS = { ws: openRawWs, 'from-peer': (url) => openFromPeer(url, {}) };

/** Bytes and objects by "type name", summed over a snapshot. */
function byKind(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const { nodes, strings } = snapshot;
  const kinds = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const t = types[nodes[i + type]];
    const n = ['string', 'concatenated string', 'sliced string', 'number', 'code'].includes(t) ? '' : strings[nodes[i + name]].slice(0, 40);
    const key = n === '' ? t : `${n} (${t})`;
    const entry = kinds.get(key) ?? { objects: 0, bytes: 0 };
    entry.objects++;
    entry.bytes += nodes[i + size];
    kinds.set(key, entry);
  }
  return kinds;
}

async function child() {
  const open = CLIENTS[args.client];
  const url = `${args.url}/breakdown-${args.client}`;
  const dir = mkdtempSync(join(tmpdir(), 'rxpeer-breakdown-'));
  try {
    const warm = await openMany(8, 8, () => open(url));
    await Promise.all(warm.map((c) => c.close()));
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        globalThis.gc();
        await sleep(20);
      }
    };
    await settle();
    const before = writeHeapSnapshot(join(dir, 'before.heapsnapshot'));
    const connections = await openMany(count, 256, () => open(url));
    await sleep(500);
    await settle();
    const after = writeHeapSnapshot(join(dir, 'after.heapsnapshot'));
    void connections;
    const [a, b] = [byKind(before), byKind(after)];
    const rows = {};
    for (const [key, entry] of b) {
      const old = a.get(key) ?? { objects: 0, bytes: 0 };
      const bytes = (entry.bytes - old.bytes) / count;
      if (Math.abs(bytes) >= 1) rows[key] = { bytes, objects: (entry.objects - old.objects) / count };
    }
    process.send({ rows });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

async function main() {
  const server = fork(join(here, 'echo-server.mjs'), ['--kind', 'ws'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve) => server.on('message', (m) => m?.type === 'listening' && resolve(m.port)));
  const results = {};
  for (const client of Object.keys(CLIENTS)) {
    const run = fork(new URL(import.meta.url).pathname, ['--child', '--client', client, '--url', `ws://127.0.0.1:${port}`, '--count', count], {
      execArgv: ['--expose-gc', '--max-old-space-size=4096'],
    });
    results[client] = await new Promise((resolve, reject) => {
      run.on('message', (m) => resolve(m.rows));
      run.on('exit', (code) => code !== 0 && reject(new Error(`${client}: exit ${code}`)));
    });
  }
  server.kill();
  const keys = [...new Set(Object.values(results).flatMap((rows) => Object.keys(rows)))];
  const cell = (rows, key) => (rows[key] === undefined ? '' : `${rows[key].bytes.toFixed(0)} (${rows[key].objects.toFixed(2)})`);
  keys.sort((x, y) => (results['from-peer'][y]?.bytes ?? 0) - (results['from-peer'][x]?.bytes ?? 0));
  const total = (rows) => Object.values(rows).reduce((sum, r) => sum + r.bytes, 0).toFixed(0);
  console.log(`Bytes per idle connection (objects per connection), ${count} connections, heap snapshot diff`);
  console.log(`| kind | raw ws | fromPeer |\n| --- | ---: | ---: |`);
  console.log(`| total | ${total(results.ws)} | ${total(results['from-peer'])} |`);
  for (const key of keys.slice(0, args.top ?? 45)) console.log(`| ${key} | ${cell(results.ws, key)} | ${cell(results['from-peer'], key)} |`);
}

if (args.child) await child();
else await main();
