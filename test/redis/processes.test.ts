// Two cluster nodes as child processes (the built examples/cluster/node.js) on a real
// redis-server: one relay for Godot 3 multiplayer clients and one chat, whichever node a
// client is on; a node killed with SIGKILL, and Redis stopped and started again.
import { ErrorCode } from 'rxpeer';
import { useBuiltPackage } from '../helpers/built-package.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { ChatClient } from '../helpers/chat-hub.js';
import { join, SocketWorld } from '../helpers/multiplayer.js';
import { type NodeProcess, startNodeProcess } from './node-process.js';

const HEARTBEAT_MS = 200;
const EXPIRY_MS = 1000;
/** Scheduling slack on a loaded machine, on top of the stated bound (expiry + one heartbeat). */
const SLACK_MS = 1500;

let redis: RedisServer;
let world: SocketWorld;
const nodes: NodeProcess[] = [];
const chatClients: ChatClient[] = [];

const pkg = useBuiltPackage();
beforeEach(async () => {
  redis = await startRedis();
  world = new SocketWorld();
});
afterEach(async () => {
  await world.cleanUp();
  await Promise.all(chatClients.splice(0).map((c) => c.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await redis.stop();
});

async function node(): Promise<NodeProcess> {
  const started = await startNodeProcess(pkg.built.packageDir, redis.url, ['--heartbeat-interval', String(HEARTBEAT_MS), '--node-expiry', String(EXPIRY_MS)]);
  nodes.push(started);
  return started;
}

async function chatter(port: number): Promise<ChatClient> {
  const client = await ChatClient.open(port, ['demo-chat']);
  chatClients.push(client);
  return client;
}

async function twoNodes() {
  const n1 = await node();
  const n2 = await node();
  const [a, c] = [world.player('a'), world.player('c')];
  await join(world, a, `ws://127.0.0.1:${n1.relayPort}/`);
  await join(world, c, `ws://127.0.0.1:${n2.relayPort}/`);
  await world.until('a and c to know each other', () => a.peer.getPeers().includes(c.id) && c.peer.getPeers().includes(a.id), 10_000);
  const alice = await chatter(n1.chatPort);
  const bob = await chatter(n2.chatPort);
  await n1.waitFor(/^chat members \S+,\S+$/);
  return { n1, n2, a, c, alice, bob };
}

describe('two node processes on one Redis', () => {
  it('act as one relay and one chat; a node killed with SIGKILL is removed everywhere within expiry + heartbeat', async () => {
    const { n1, n2, a, c, alice, bob } = await twoNodes();
    for (let i = 0; i < 100; i++) expect(a.send(c.id, `p${i}`)).toBe(ErrorCode.OK);
    expect(c.send(0, 'to all')).toBe(ErrorCode.OK);
    await world.until('100 packets at c and the broadcast at a', () => c.packets.length === 100 && a.packets.length === 1, 10_000);
    expect(c.received()).toEqual(Array.from({ length: 100 }, (_, i) => `${a.id}>p${i}`));
    expect(a.received()).toEqual([`${c.id}>to all`]);

    alice.send('hello from node 1');
    await bob.until(() => bob.received.some((line) => /^\[\S+\] Says: hello from node 1$/.test(line)), 'alice on node 2');
    bob.send('and back');
    await alice.until(() => alice.received.some((line) => /^\[\S+\] Says: and back$/.test(line)), 'bob on node 1');

    const from = n1.output.length;
    const killedAt = Date.now();
    await n2.stop('SIGKILL');
    await world.until('DEL(c) at a', () => a.events.includes(`-${c.id}`), EXPIRY_MS + HEARTBEAT_MS + SLACK_MS + 5000);
    const removedAfter = Date.now() - killedAt;
    await n1.waitFor(/^chat members \S+$/, { from });
    expect(removedAfter).toBeLessThanOrEqual(EXPIRY_MS + HEARTBEAT_MS + SLACK_MS);
    expect(a.peer.getPeers()).toEqual([1]);
  }, 60_000);

  it('Redis stopped: each node serves its own clients and reports the partition; restarted: ids and presence resynchronised', async () => {
    const { n1, n2, a, c, bob } = await twoNodes();
    const alice2 = await chatter(n1.chatPort);
    const b = world.player('b');
    await join(world, b, `ws://127.0.0.1:${n1.relayPort}/`);
    // b is CONNECTED once it read its id; node 1 sends ADD(b) to a on a's own socket, which a
    // reads at one of its next polls. Nothing polls a while Redis goes away, so wait for it here.
    await world.until('a to know b', () => a.peer.getPeers().includes(b.id), 10_000);

    const from1 = n1.output.length;
    await redis.stop();
    await n1.waitFor(/^bus partitioned: Redis at redis:\/\/127\.0\.0\.1:\d+ unreachable: /, { from: from1 });
    await n2.waitFor(/^bus partitioned: /);
    // Local clients are still served: the relay between a and b, the chat on node 1.
    expect(a.send(b.id, 'local')).toBe(ErrorCode.OK);
    await world.until('a packet from a to b', () => b.received().includes(`${a.id}>local`), 10_000);
    // Cut off longer than the expiry: the other node's clients leave (DEL), and presence too.
    await world.until('DEL(c) at a', () => a.events.includes(`-${c.id}`), 10_000);
    await n1.waitFor(/^chat members \S+,\S+$/, { from: from1 }); // alice and alice2 only
    // What cannot cross is reported, not dropped silently.
    expect(a.send(0, 'nobody across')).toBe(ErrorCode.OK);
    await n1.waitFor(/^loss \{"channel":"relay","direction":"send","count":1/, { from: from1 });

    const from2 = n1.output.length;
    await redis.restart();
    await n1.waitFor(/^bus connected$/, { from: from2 });
    await world.until('ADD(c) at a again', () => a.events.filter((e) => e === `+${c.id}`).length === 2, 10_000);
    expect(a.send(c.id, 'after the partition')).toBe(ErrorCode.OK);
    await world.until('the packet at c', () => c.received().includes(`${a.id}>after the partition`), 10_000);
    alice2.send('back together');
    await bob.until(() => bob.received.some((line) => /Says: back together$/.test(line)), 'the chat across again');
    await n1.waitFor(/^chat members \S+,\S+,\S+$/, { from: from2 });
  }, 60_000);
});
