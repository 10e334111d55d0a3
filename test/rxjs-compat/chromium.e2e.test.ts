// "Changing the import path is the whole migration", in Chromium: app/chat-app.ts is
// bundled as an app's bundler would (esbuild, against the privately built package), once as
// written (RxJS 7.8 on the page's WebSocket) and once with its rxjs/webSocket import swapped
// for rxpeer/rxjs-compat (rxpeer's WebSocketPeer over the page's WebSocket). Both run in
// headless Chromium against the same ws server and must see the same things.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from '../helpers/ws-server.js';
import { useChromium } from '../helpers/chromium.js';
import { bundleForBrowser, type PageServer, servePage } from '../helpers/page-server.js';
import { CHAT_APP_LOG, startChatServer } from './support/chat-server.js';

const APP_SOURCE = join(__dirname, 'app', 'chat-app.ts');
const IMPORT_AS_WRITTEN = "from 'rxjs/webSocket'";

let site: PageServer;
let server: TestServer;
const bundles: Record<string, string> = {};

const rig = useChromium(async (built, later) => {
  const source = readFileSync(APP_SOURCE, 'utf8');
  expect(source).toContain(IMPORT_AS_WRITTEN);
  const swapped = join(built.root, 'chat-app.swapped.ts');
  writeFileSync(swapped, source.replace(IMPORT_AS_WRITTEN, "from 'rxpeer/rxjs-compat'"));
  bundles.rxjs = await bundleForBrowser(built, APP_SOURCE, { format: 'iife', globalName: 'chatApp' });
  bundles.rxpeer = await bundleForBrowser(built, swapped, { format: 'iife', globalName: 'chatApp' });
  const page = (script: string): string =>
    `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>chat</title><script src="/${script}"></script>`;
  server = await startChatServer();
  later(() => server.close());
  site = await servePage({
    '/rxjs.html': page('rxjs.js'),
    '/rxjs.js': bundles.rxjs,
    '/rxpeer.html': page('rxpeer.js'),
    '/rxpeer.js': bundles.rxpeer,
  });
  later(() => site.close());
});

it("the swapped bundle runs on rxpeer's browser build: no ws, no Node built-ins", () => {
  expect(bundles.rxpeer).toContain('WebSocketPeer');
  expect(bundles.rxpeer).not.toMatch(/require\(["'](ws|net|tls|http)["']\)|WebSocketServer/);
});

it.each(['rxjs', 'rxpeer'])('the app sees the same things on %s', async (variant) => {
  const page = await rig.browser.newPage();
  try {
    await page.goto(`${site.url}${variant}.html`);
    const log = await page.evaluate(
      (url) => (window as unknown as { chatApp: typeof import('./app/chat-app.js') }).chatApp.runChatApp(url),
      `ws://127.0.0.1:${server.port}`,
    );
    expect(log).toEqual(CHAT_APP_LOG);
  } finally {
    await page.close();
  }
  // Chromium reports the dropped connection on the console; anything else is a problem.
  expect(rig.browser.problems.filter((problem) => !/WebSocket connection to .*\/drop' failed/.test(problem))).toEqual([]);
});
