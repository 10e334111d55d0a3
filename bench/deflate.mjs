// `npm run bench:deflate`: what permessage-deflate costs and saves on chat-like text, with
// rxpeer on both ends (attach() on a node:http server, connect() as the client), each in
// its own process, on 127.0.0.1.
//
//   node bench/deflate.mjs [--rounds 3] [--messages 20000] [--connections 200] [--json FILE]
//
// Per mode (off / on, the server's perMessageDeflate; the client offers it by default):
//   wire bytes per message each way, counted on the server's sockets (frame headers
//   included), against the payload; CPU µs per echoed message in the server and the client
//   process; the server's memory per connection once every connection has sent and received
//   one message (zlib keeps its contexts per connection), after a full GC.
// Messages: JSON chat lines of 60 to 260 bytes from a fixed word list and a seeded generator,
// 32 in flight on one connection. Rounds alternate the order of the modes; the table shows
// the median of the rounds.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { attach, connect, ErrorCode, State } from 'rxpeer';
import { firstValueFrom, mergeMap, tap } from 'rxjs';
import { parseChildArgs } from './common.mjs';

const args = parseChildArgs();
const role = args.role ?? 'orchestrator';
const IN_FLIGHT = 32;

// ---- chat-like text ----

const WORDS = (
  'the a to and you I it is that of in we for on this be have are with not just so but was ' +
  'what can do if all me lol ok yes no game room join play next turn win lost nice gg thanks ' +
  'hello everyone brb back ready wait there here map team red blue score level again later'
).split(' ');
const USERS = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'alan', 'radia'];
const ROOMS = ['general', 'lobby', 'match-42', 'random'];

/** A deterministic stream of chat messages (mulberry32 PRNG). */
function chatMessages(seed) {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (list) => list[Math.floor(random() * list.length)];
  let n = 0;
  return () => {
    const words = [];
    const count = 3 + Math.floor(random() * 30);
    for (let i = 0; i < count; i++) words.push(pick(WORDS));
    return JSON.stringify({ type: 'chat', id: ++n, room: pick(ROOMS), user: pick(USERS), ts: 1764400000000 + n * 731, text: words.join(' ') });
  };
}

// ---- server process ----

async function runServer() {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const sockets = new Set();
  const http = createServer();
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  attach(http, { perMessageDeflate: args.deflate === 'on', inboundBufferSize: 1 << 20, outboundBufferSize: 1 << 20 })
    .pipe(mergeMap((client) => client.packets$.pipe(tap((p) => client.send(p.text ?? p.data)))))
    .subscribe();
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const bytes = () => {
    let read = 0;
    let written = 0;
    for (const s of sockets) {
      read += s.bytesRead;
      written += s.bytesWritten;
    }
    return { read, written };
  };
  const memory = () => {
    for (let i = 0; i < 3; i++) gc();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    return { rss, heapUsed, external, arrayBuffers };
  };
  process.on('message', (message) => {
    const answers = { cpu: () => process.cpuUsage(), bytes, memory };
    if (message.request === 'stop') process.exit(0);
    process.send({ id: message.id, data: answers[message.request]() });
  });
  process.send({ port: http.address().port });
}

// ---- client process ----

async function runClient() {
  const { url, deflate, messages, connections } = args;
  let nextId = 1;
  const pending = new Map();
  process.on('message', (m) => pending.get(m.id)?.(m.data));
  const ask = (request) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      process.send({ ask: request, id });
    });
  const options = { perMessageDeflate: deflate === 'on' ? undefined : false, inboundBufferSize: 1 << 20, outboundBufferSize: 1 << 20 };
  if (options.perMessageDeflate === undefined) delete options.perMessageDeflate;
  const next = chatMessages(7);

  // Memory: every connection sends and receives one message (so both zlib contexts exist).
  const baseline = await ask('memory');
  const held = [];
  for (let i = 0; i < connections; i++) {
    // Keep the subscription: unsubscribing from connect() closes the connection.
    const socket = await new Promise((resolve, reject) => connect(url, options).subscribe({ next: resolve, error: reject }));
    const echoed = firstValueFrom(socket.packets$);
    socket.send(next());
    await echoed;
    held.push(socket);
  }
  const loaded = await ask('memory');

  // Cost and savings: `messages` echoes on one connection, IN_FLIGHT at a time.
  const socket = held[0];
  const warm = Math.min(1000, messages / 10);
  const payloads = Array.from({ length: messages + warm }, next);
  let payloadBytes = 0;
  let sent = 0;
  let received = 0;
  let measuring = false;
  let startCpu, startServerCpu, startBytes;
  const done = new Promise((resolve) => {
    socket.packets$.subscribe(async () => {
      received++;
      if (received === warm) {
        startServerCpu = await ask('cpu');
        startBytes = await ask('bytes');
        startCpu = process.cpuUsage();
        measuring = true;
        pump();
      } else if (received === warm + messages) resolve();
      else if (measuring || received < warm) pump();
    });
  });
  const pump = () => {
    while (sent - received < IN_FLIGHT && sent < payloads.length) {
      if (sent >= warm && !measuring) return; // wait for the window to start
      const text = payloads[sent++];
      if (measuring) payloadBytes += Buffer.byteLength(text);
      if (socket.send(text) !== ErrorCode.OK) throw new Error('send refused');
    }
  };
  pump();
  await done;
  const cpu = process.cpuUsage(startCpu);
  const serverCpuNow = await ask('cpu');
  const bytesNow = await ask('bytes');
  for (const s of held) s.close();
  process.send({
    result: {
      deflate,
      messages,
      connections,
      payloadPerMessage: payloadBytes / messages,
      wireInPerMessage: (bytesNow.read - startBytes.read) / messages,
      wireOutPerMessage: (bytesNow.written - startBytes.written) / messages,
      clientCpuUs: (cpu.user + cpu.system) / messages,
      serverCpuUs: (serverCpuNow.user - startServerCpu.user + serverCpuNow.system - startServerCpu.system) / messages,
      serverBytesPerConnection: {
        rss: (loaded.rss - baseline.rss) / connections,
        heapAndExternal: (loaded.heapUsed + loaded.external - baseline.heapUsed - baseline.external) / connections,
      },
      negotiated: State.OPEN === socket.peer.getReadyState() ? deflate : 'closed',
    },
  });
}

// ---- orchestrator ----

function child(roleName, extra) {
  const proc = fork(new URL(import.meta.url).pathname, ['--role', roleName, ...extra.map(String)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return proc;
}

async function measure(mode, messages, connections) {
  const server = child('server', ['--deflate', mode]);
  const [{ port }] = await once(server, 'message');
  const client = child('client', ['--url', `ws://127.0.0.1:${port}/`, '--deflate', mode, '--messages', messages, '--connections', connections]);
  const cap = setTimeout(() => {
    client.kill('SIGKILL');
    server.kill('SIGKILL');
  }, 120_000);
  try {
    return await new Promise((resolve, reject) => {
      client.on('message', (m) => {
        if (m.result) return resolve(m.result);
        server.send({ id: m.id, request: m.ask });
        server.once('message', (answer) => client.send(answer));
      });
      client.on('exit', (code) => reject(new Error(`client exited (${code}) without a result`)));
    });
  } finally {
    clearTimeout(cap);
    client.kill();
    server.send({ request: 'stop' });
  }
}

async function orchestrate() {
  const rounds = args.rounds ?? 3;
  const messages = args.messages ?? 20000;
  const connections = args.connections ?? 200;
  const results = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
      process.stderr.write(`round ${round + 1}/${rounds}: deflate ${mode}\n`);
      results[mode].push(await measure(mode, messages, connections));
    }
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const row = (mode) => {
    const r = results[mode];
    const m = (f) => median(r.map(f));
    return {
      mode,
      payload: m((x) => x.payloadPerMessage),
      wireIn: m((x) => x.wireInPerMessage),
      wireOut: m((x) => x.wireOutPerMessage),
      serverCpu: m((x) => x.serverCpuUs),
      clientCpu: m((x) => x.clientCpuUs),
      memory: m((x) => x.serverBytesPerConnection.heapAndExternal),
      rss: m((x) => x.serverBytesPerConnection.rss),
    };
  };
  const rows = [row('off'), row('on')];
  const f1 = (n) => n.toFixed(1);
  const kib = (n) => (n / 1024).toFixed(1);
  const lines = [
    `| perMessageDeflate | payload B/msg | wire B/msg in | wire B/msg out | wire ÷ payload | server CPU µs/msg | client CPU µs/msg | server KiB/conn (heap+external) | server KiB/conn (RSS) |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${f1(r.payload)} | ${f1(r.wireIn)} | ${f1(r.wireOut)} | ${((r.wireIn + r.wireOut) / (2 * r.payload)).toFixed(2)} | ${f1(r.serverCpu)} | ${f1(r.clientCpu)} | ${kib(r.memory)} | ${kib(r.rss)} |`,
    ),
  ];
  console.log(`Chat-like text, ${messages} echoes with ${IN_FLIGHT} in flight, ${connections} connections for memory; median of ${rounds} round(s).\n`);
  console.log(lines.join('\n'));
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, results, rows }, null, 2)}\n`);
}

if (role === 'server') await runServer();
else if (role === 'client') await runClient();
else await orchestrate();
