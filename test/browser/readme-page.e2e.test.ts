// The README's plain page ("In the browser"), bundled as written with esbuild against the
// built package (only its fixed port is swapped for the test server's) and run in headless
// Chromium: it shows the state live, sends what is typed, shows what arrives, says "dropped"
// when the server drops the connection, and "Leave" closes with 4000.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { readmeBlock } from '../helpers/readme.js';
import { startServer, closeAllServers, type TestServer } from '../helpers/ws-server.js';
import { useChromium } from '../helpers/chromium.js';
import { bundleForBrowser, type PageServer, servePage } from '../helpers/page-server.js';

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>rxpeer</title>
<p>State: <span id="state"></span></p><ul id="log"></ul>
<form><input id="say"><button>Send</button></form><button id="leave">Leave</button>
<script src="/page.js"></script>`;

let server: TestServer;
let site: PageServer;
let page: Page;

const rig = useChromium(async (built, later) => {
  server = await startServer({
    ws: { handleProtocols: (protocols) => (protocols.has('demo-chat') ? 'demo-chat' : false) },
    onConnection: (c) => c.ws.on('message', (data) => c.ws.send(`echo: ${data.toString()}`)),
  });
  later(() => closeAllServers());
  const source = join(built.root, 'page.ts');
  writeFileSync(source, readmeBlock('## In the browser', "document.querySelector('#log')").replace("'ws://127.0.0.1:8000'", `'${server.url()}'`));
  site = await servePage({ '/index.html': PAGE, '/page.js': await bundleForBrowser(built, source) });
  later(() => site.close());
});

beforeEach(async () => {
  page = await rig.browser.newPage();
  await page.goto(site.url);
  await page.locator('#state').filter({ hasText: /^OPEN$/ }).waitFor();
});
afterEach(() => page.close());

it('sends what is typed, shows the answer, and says "dropped" when the server drops the connection', async () => {
  const connection = server.connections.at(-1)!;
  await page.fill('#say', 'hello');
  await page.press('#say', 'Enter');
  await page.locator('#log li').filter({ hasText: 'echo: hello' }).waitFor();
  expect((await connection.received(1)).map((m) => m.data.toString())).toEqual(['hello']);
  connection.ws.terminate(); // the server drops the connection: no close frame
  await page.locator('#state').filter({ hasText: /^dropped$/ }).waitFor();
  expect(rig.browser.problems).toEqual([]);
});

it('"Leave" closes with 4000 and its reason, and the state shows CLOSED', async () => {
  const connection = server.connections.at(-1)!;
  await page.click('#leave');
  expect(await connection.waitClosed()).toEqual({ code: 4000, reason: 'Bye' });
  await page.locator('#state').filter({ hasText: /^CLOSED$/ }).waitFor();
  expect(rig.browser.problems).toEqual([]);
});
