// examples/angular built by the Angular CLI (@angular/build's application builder) against
// the packed tarball, in a project installed from the registry like a user's (it has its own
// TypeScript and Angular), then run in Chromium against `rxpeer serve --chat` from the same
// tarball: two tabs chat, one leaves, the server goes away (the countdown shows, a message
// sent meanwhile is queued) and comes back on the same port (both reconnect, the queued
// message goes out).
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { type Chromium, launchChromium } from '../helpers/chromium.js';
import { type PageServer, servePage } from '../helpers/page-server.js';
import { REPO_ROOT } from '../helpers/built-package.js';
import { nodeLeftovers } from './support/node-leftovers.js';
import { type PackedPackage, packPackage } from './support/packed-package.js';
import { readTree } from './support/read-tree.js';

const run = promisify(execFile);
const EXAMPLE = join(REPO_ROOT, 'examples', 'angular');
/** No prompts, no analytics, no colours, whatever the machine's settings. */
const ENV = { ...process.env, NG_CLI_ANALYTICS: 'false', CI: 'true', NO_COLOR: '1', NG_FORCE_TTY: 'false' };

/** `rxpeer serve --chat` from the installed package, as a process; its stdout lines are kept. */
class ChatServer {
  readonly lines: string[] = [];
  readonly #process: ChildProcessWithoutNullStreams;
  readonly #waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(cli: string, port: number) {
    this.#process = spawn(process.execPath, [cli, 'serve', '--chat', '--port', String(port), '--bind', '127.0.0.1'], { env: ENV });
    this.exited = new Promise((resolve) => this.#process.once('exit', (code) => resolve(code)));
    for (const stream of [this.#process.stdout, this.#process.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        for (const wake of [...this.#waiters]) wake();
      });
    }
  }

  /** The first line matching `pattern` (bounded by `timeout` ms). */
  line(pattern: RegExp, timeout = 10_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (const line of this.lines) {
          const match = pattern.exec(line);
          if (match !== null) {
            clearTimeout(timer);
            this.#waiters.delete(wake);
            resolve(match);
            return true;
          }
        }
        return false;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`no line matching ${pattern} within ${timeout} ms; output:\n${this.lines.join('\n')}`));
      }, timeout);
      if (!check()) this.#waiters.add(wake);
    });
  }

  /** Ctrl-C: the server closes its clients with 1001 and exits. */
  async stop(): Promise<void> {
    if (this.#process.exitCode === null && this.#process.signalCode === null) this.#process.kill('SIGINT');
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

let packed: PackedPackage;
let app: string;
let files: Record<string, string>;
let chromium: Chromium;
let pages: PageServer;
const servers: ChatServer[] = [];

beforeAll(async () => {
  packed = await packPackage();
  // The example as a user would have it, with rxpeer from the tarball instead of the repository.
  app = join(packed.dir, 'angular');
  cpSync(EXAMPLE, app, { recursive: true, filter: (path) => !/\/(node_modules|dist|\.angular)$/.test(path) });
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies.rxpeer = `file:${packed.tarball}`;
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, env: ENV, maxBuffer: 64 << 20 });
  await run(process.execPath, [join(app, 'node_modules', '@angular', 'cli', 'bin', 'ng.js'), 'build'], { cwd: app, env: ENV, maxBuffer: 64 << 20 });
  files = readTree(join(app, 'dist', 'browser'));
  pages = await servePage(files);
  chromium = await launchChromium();
}, 600_000);

afterAll(async () => {
  await Promise.allSettled(servers.map((server) => server.stop()));
  await chromium?.close();
  await pages?.close();
  packed?.remove();
}, 60_000);

function startServer(port = 0): ChatServer {
  const server = new ChatServer(join(app, 'node_modules', 'rxpeer', 'dist', 'bin', 'rxpeer.js'), port);
  servers.push(server);
  return server;
}

async function openChat(port: number): Promise<Page> {
  const page = await chromium.newPage();
  await page.goto(`${pages.url}?server=${encodeURIComponent(`ws://127.0.0.1:${port}/`)}`);
  return page;
}

const state = (page: Page, text: string): Promise<void> => page.locator('output.state', { hasText: new RegExp(`^${text}$`) }).waitFor();
const message = (page: Page, text: RegExp): Promise<void> => page.locator('ul.messages li', { hasText: text }).first().waitFor();

/** Types `text` in the send box, sends it, and waits for the send box to say what became of it. */
async function say(page: Page, text: string, outcome: 'sent' | 'queued'): Promise<void> {
  await page.fill('input[name=message]', text);
  await page.click('button[type=submit]');
  await page.locator('output.sent', { hasText: new RegExp(`^${outcome}$`) }).waitFor();
}

describe('the Angular example, built with the Angular CLI against the packed package', () => {
  it('holds no Node built-in, ws or Buffer', () => {
    expect(Object.keys(files)).toContain('/index.html');
    expect(nodeLeftovers(files)).toEqual([]);
  });

  it('chats with rxpeer serve --chat, shows the countdown while the server is away and reconnects', async () => {
    const first = startServer();
    const port = Number((await first.line(/Listening on port (\d+)/))[1]);
    const alice = await openChat(port);
    await state(alice, 'OPEN');
    const bob = await openChat(port);
    await state(bob, 'OPEN');
    await message(alice, /^\[\d+\] connected$/);

    await say(alice, 'hello from Angular', 'sent');
    await message(bob, /^\[\d+\] Says: hello from Angular$/);

    // Bob leaves: the server tells Alice.
    await bob.close();
    await message(alice, /^\[\d+\] disconnected$/);

    // The server goes away (1001): Alice counts down to her next attempt; what she says now waits.
    await first.stop();
    await alice.locator('.countdown', { hasText: /^Reconnecting in \d+ s…$/ }).waitFor();
    await alice.locator('output.state', { hasText: /^(CONNECTING|CLOSING|CLOSED)$/ }).waitFor();
    await say(alice, 'said while the server was away', 'queued');

    // Back on the same port: Alice reconnects by herself and the queued message goes out first.
    const second = startServer(port);
    await second.line(/Listening on port/);
    await state(alice, 'OPEN');
    await second.line(/\[\d+\] Says: said while the server was away/, 15_000);
    await alice.locator('.countdown').waitFor({ state: 'detached' });
    expect(chromium.problems.filter((problem) => !problem.includes('WebSocket connection to'))).toEqual([]);
    await alice.close();
    await second.stop();
  }, 60_000);
});
