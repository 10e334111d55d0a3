// The chat demo end to end: two Chromium tabs chat through `rxpeer serve --chat`, and
// everything is checked from inside the pages (their own record of states and packets)
// and from the server's output.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ChatRecord } from '../../examples/chat/page.js';
import { type ChatDemo, startChatDemo } from '../../examples/chat/serve.js';
import { type BuiltPackage, buildPackage, REPO_ROOT } from '../helpers/built-package.js';
import { type Chromium, launchChromium } from './support/chromium.js';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

let built: BuiltPackage | undefined;
let browser: Chromium | undefined;
let demo: ChatDemo | undefined;

beforeAll(async () => {
  built = await buildPackage();
  demo = await startChatDemo({ packageDir: built.packageDir, chatPort: 0, httpPort: 0 });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  try {
    await browser?.close(); // the tabs' sockets close with the browser
    await demo?.stop();
  } finally {
    built?.remove();
  }
}, 30_000);

const recordOf = (page: Page): Promise<ChatRecord> => page.evaluate(() => window.chatRecord);

/** Waits (bounded) until the page's own record satisfies `predicate`; says what it was waiting for. */
async function until(page: Page, what: string, predicate: (record: ChatRecord) => boolean): Promise<ChatRecord> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const record = await recordOf(page);
    if (predicate(record)) return record;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}; the page recorded ${JSON.stringify(record)}`);
    // Wait for the record to change (checked in the page every 50 ms), not for a fixed time.
    await page.waitForFunction(
      (seen: string) => JSON.stringify(window.chatRecord) !== seen,
      JSON.stringify(record),
      { timeout: Math.max(1, deadline - Date.now()), polling: 50 },
    ).catch(() => undefined);
  }
}

const receivedText = (record: ChatRecord): string[] => record.received.flatMap((r) => (r.text === undefined ? [] : [r.text]));

async function say(page: Page, text: string, binary = false): Promise<void> {
  await page.fill('#message', text);
  await page.click(binary ? '#send-binary' : '#send');
}

describe('the chat demo in Chromium', () => {
  it('two pages chat through the rxpeer server; a page leaves with 4000 and a reason', async () => {
    const alice = await browser!.newPage();
    const bob = await browser!.newPage();

    await alice.goto(demo!.pageUrl);
    await until(alice, 'Alice OPEN', (r) => r.states.includes('OPEN'));
    const aliceId = /^Client (\d+) connected/.exec(await demo!.waitForOutput(/^Client \d+ connected/))![1]!;

    await bob.goto(demo!.pageUrl);
    await until(bob, 'Bob OPEN', (r) => r.states.includes('OPEN'));
    const bobLine = await demo!.waitForOutput(new RegExp(`^Client (?!${aliceId} )\\d+ connected .*protocol: demo-chat$`));
    const bobId = /^Client (\d+)/.exec(bobLine)![1]!;

    // The relay tells Alice that Bob arrived.
    await until(alice, 'the join notice', (r) => receivedText(r).includes(`[${bobId}] connected`));

    // Text both ways.
    await say(alice, 'Hello from Alice');
    await until(bob, "Alice's line", (r) => receivedText(r).includes(`[${aliceId}] Says: Hello from Alice`));
    await say(bob, 'Hi Alice ✓ ünïcödé');
    await until(alice, "Bob's line", (r) => receivedText(r).includes(`[${bobId}] Says: Hi Alice ✓ ünïcödé`));

    // A binary frame: the server reads it as UTF-8 and relays it as text, as Godot's demo does.
    await say(alice, 'bytes ☃', true);
    await until(bob, 'the relayed binary message', (r) => receivedText(r).includes(`[${aliceId}] Says: bytes ☃`));
    await demo!.waitForOutput(new RegExp(`^\\[${aliceId}\\] Says: bytes ☃$`));

    // The state next to the log is live.
    expect(await alice.textContent('#state')).toBe('OPEN');
    expect(await alice.getAttribute('#state', 'data-state')).toBe('OPEN');

    // Alice leaves: a clean close with 4000 and a reason.
    await alice.click('#leave');
    const aliceRecord = await until(alice, 'Alice CLOSED', (r) => r.closes.length > 0 && r.states.at(-1) === 'CLOSED');
    await until(bob, 'the leave notice', (r) => receivedText(r).includes(`[${aliceId}] disconnected`));
    await demo!.waitForOutput(new RegExp(`^Client ${aliceId} disconnecting with code: 4000, reason: Leaving the chat$`));
    await demo!.waitForOutput(new RegExp(`^Client ${aliceId} disconnected, clean: true$`));
    expect(await alice.textContent('#state')).toBe('CLOSED');

    mkdirSync(ARTIFACTS, { recursive: true });
    await alice.screenshot({ path: join(ARTIFACTS, 'chat-alice.png') });
    await bob.screenshot({ path: join(ARTIFACTS, 'chat-bob.png') });

    // What the pages recorded, in full.
    expect(aliceRecord.states).toEqual(['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']);
    expect(aliceRecord.closes).toEqual([{ code: 4000, reason: 'Leaving the chat', wasClean: true }]);
    expect(aliceRecord.sent).toEqual([
      { text: 'Hello from Alice', binary: false, result: 'sent' },
      { text: 'bytes ☃', binary: true, result: 'sent' },
    ]);
    expect(receivedText(aliceRecord)).toEqual([`[${bobId}] connected`, `[${bobId}] Says: Hi Alice ✓ ünïcödé`]);
    expect(aliceRecord.errors).toEqual([]);

    const bobRecord = await recordOf(bob);
    expect(bobRecord.states).toEqual(['CONNECTING', 'OPEN']);
    expect(receivedText(bobRecord)).toEqual([
      `[${aliceId}] Says: Hello from Alice`,
      `[${aliceId}] Says: bytes ☃`,
      `[${aliceId}] disconnected`,
    ]);
    expect(bobRecord.closes).toEqual([]);
    expect(browser!.problems).toEqual([]);
  }, 60_000);
});
