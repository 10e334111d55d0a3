// Every mainstream bundler, configured as its documentation shows for a browser app, builds
// test/bundlers/app against the packed tarball; each output is checked for Node leftovers,
// then run in Chromium against a local echo server: OPEN, and the echo comes back.
// (The Angular CLI is tested with examples/angular, in test/bundlers/angular.test.ts.)
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';
import { type Chromium, launchChromium } from '../helpers/chromium.js';
import { type PageServer, servePage } from '../helpers/page-server.js';
import { nodeLeftovers } from './support/node-leftovers.js';
import { type PackedPackage, packPackage } from './support/packed-package.js';
import { readTree } from './support/read-tree.js';

const BUNDLERS = ['esbuild', 'vite7', 'vite8', 'webpack', 'rollup'] as const;
type Bundler = (typeof BUNDLERS)[number];

let packed: PackedPackage;
let echo: WebSocketServer;
let echoUrl: string;
let chromium: Chromium;
const outputs = new Map<Bundler, Promise<string>>();

/** Builds the app with `bundler` in its own directory (sharing node_modules); resolves with the output directory. */
async function buildWith(bundler: Bundler): Promise<string> {
  const appDir = join(packed.dir, `app-${bundler}`);
  cpSync(join(__dirname, 'app'), appDir, { recursive: true });
  symlinkSync(join(packed.dir, 'app', 'node_modules'), join(appDir, 'node_modules'), 'dir');
  const outDir = join(packed.dir, `out-${bundler}`);
  await promisify(execFile)(process.execPath, [join(__dirname, 'support', 'build-app.mjs'), bundler, appDir, outDir], {
    cwd: appDir,
    maxBuffer: 16 << 20,
  });
  return outDir;
}

beforeAll(async () => {
  packed = await packPackage();
  mkdirSync(join(packed.dir, 'app'));
  await packed.installInto(join(packed.dir, 'app'));
  // All builds start at once (they spend much of their time waiting on the disk); each test awaits its own.
  for (const bundler of BUNDLERS) {
    const output = buildWith(bundler);
    output.catch(() => undefined); // reported by that bundler's test
    outputs.set(bundler, output);
  }
  echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  echo.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise((resolve) => echo.once('listening', resolve));
  echoUrl = `ws://127.0.0.1:${(echo.address() as AddressInfo).port}/`;
  chromium = await launchChromium();
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([...outputs.values()]);
  await chromium?.close();
  if (echo !== undefined) {
    for (const client of echo.clients) client.terminate();
    await new Promise((resolve) => echo.close(resolve));
  }
  packed?.remove();
}, 60_000);

describe.each(BUNDLERS)('an app built with %s against the packed package', (bundler) => {
  let files: Record<string, string>;

  beforeAll(async () => {
    files = readTree(await outputs.get(bundler)!);
  }, 180_000);

  it('holds no Node built-in, ws or Buffer', () => {
    expect(Object.keys(files)).toContain('/index.html');
    expect(nodeLeftovers(files)).toEqual([]);
  });

  it('connects in Chromium: OPEN, and the echo comes back', async () => {
    const server: PageServer = await servePage(files);
    const page = await chromium.newPage();
    const problemsBefore = chromium.problems.length;
    try {
      await page.goto(`${server.url}?ws=${encodeURIComponent(echoUrl)}`);
      await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined);
      const result = await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result);
      expect(result).toEqual({ state: 'OPEN', echo: 'hello from the bundle' });
      expect(chromium.problems.slice(problemsBefore)).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });
});
