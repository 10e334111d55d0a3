// examples/cluster/main.ts (built): node:cluster workers share one relay port and one Redis
// bus; clients handed to different workers see and reach each other as on one server.
import { type ChildProcess, spawn } from 'node:child_process';
import { join as joinPath } from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCode } from 'rxpeer';
import { type BuiltPackage, buildPackage } from '../helpers/built-package.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { join, SocketWorld } from '../helpers/multiplayer.js';

let built: BuiltPackage;
let redis: RedisServer;
let world: SocketWorld;
let primary: ChildProcess | undefined;
let exited: Promise<number | null> | undefined;
const output: string[] = [];
const watchers = new Set<() => void>();

beforeAll(async () => {
  built = await buildPackage();
  redis = await startRedis();
  world = new SocketWorld();
}, 60_000);
afterAll(async () => {
  await world.cleanUp();
  if (primary !== undefined && primary.exitCode === null) primary.kill('SIGKILL');
  await exited;
  await redis.stop();
  built.remove();
});

function waitFor(pattern: RegExp, count = 1, ms = 20_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const lines = output.filter((line) => pattern.test(line));
      if (lines.length < count) return;
      clearTimeout(timer);
      watchers.delete(check);
      resolve(lines);
    };
    const timer = setTimeout(() => {
      watchers.delete(check);
      reject(new Error(`no ${count} lines matching ${pattern} within ${ms} ms:\n${output.join('\n')}`));
    }, ms);
    watchers.add(check);
    check();
  });
}

describe('the node:cluster example', () => {
  it('workers sharing one port act as one relay; SIGTERM makes each leave cleanly', async () => {
    const script = joinPath(built.packageDir, 'dist', 'examples', 'cluster', 'main.js');
    primary = spawn(process.execPath, [script, '--workers', '2', '--redis', redis.url, '--relay-port', '0', '--chat-port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    exited = new Promise((resolve) => primary!.once('exit', (code) => resolve(code)));
    createInterface({ input: primary.stdout! }).on('line', (line) => {
      output.push(line);
      for (const watcher of [...watchers]) watcher();
    });
    const [ready] = await waitFor(/^cluster ready: 2 workers, relay \d+, chat \d+$/);
    const port = Number(/relay (\d+)/.exec(ready!)![1]);

    const players = ['a', 'b', 'c', 'd'].map((name) => world.player(name));
    for (const player of players) await join(world, player, `ws://127.0.0.1:${port}/`);
    await world.until('every client to know the 3 others', () => players.every((p) => p.peer.getPeers().length === 4), 10_000);
    // The primary handed the connections round-robin: both workers have clients of their own.
    const here = await waitFor(/^\[\d\] relay client \d+ connected here$/, 4);
    expect(new Set(here.map((line) => line.slice(0, 3))).size).toBe(2);

    const [a, b, c, d] = players as [typeof players[0], typeof players[0], typeof players[0], typeof players[0]];
    for (const target of [b, c, d]) expect(a.send(target.id, `hi ${target.name}`)).toBe(ErrorCode.OK);
    expect(d.send(0, 'all')).toBe(ErrorCode.OK);
    await world.until('the packets', () => [b, c].every((p) => p.packets.length === 2) && d.packets.length === 1 && a.packets.length === 1, 10_000);
    expect(b.received()).toEqual(expect.arrayContaining([`${a.id}>hi b`, `${d.id}>all`]));
    expect(d.received()).toEqual([`${a.id}>hi d`]);

    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor(/^\[\d\] bus closed$/, 2);
    await world.until('every client to see the server go', () => players.every((p) => p.events.includes('lost')), 10_000);
  }, 60_000);
});
