// The chat demo as two processes sharing a real redis-server (`npm run chat -- --nodes 2`):
// one Chromium page on each node chat as one room; everything is checked from the pages' own
// records.
import type { Page } from 'playwright-core';
import type { ChatRecord } from '../../examples/chat/page.js';
import { type ChatDemo, startChatDemo } from '../../examples/chat/serve.js';
import { type BuiltPackage, buildPackage } from '../helpers/built-package.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { type Chromium, launchChromium } from './support/chromium.js';

let built: BuiltPackage | undefined;
let browser: Chromium | undefined;
let demo: ChatDemo | undefined;
let redis: RedisServer | undefined;

beforeAll(async () => {
  built = await buildPackage();
  redis = await startRedis();
  demo = await startChatDemo({ packageDir: built.packageDir, chatPort: 0, httpPort: 0, nodes: 2, redisUrl: redis.url });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  try {
    await browser?.close();
    await demo?.stop();
    await redis?.stop();
  } finally {
    built?.remove();
  }
}, 30_000);

const recordOf = (page: Page): Promise<ChatRecord> => page.evaluate(() => window.chatRecord);
const receivedText = (record: ChatRecord): string[] => record.received.flatMap((r) => (r.text === undefined ? [] : [r.text]));

/** Waits (bounded) until the page's own record has a received line matching `pattern`; returns it. */
async function heard(page: Page, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const record = await recordOf(page);
    const line = receivedText(record).find((text) => pattern.test(text));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`still waiting for ${pattern}; the page recorded ${JSON.stringify(record)}`);
    await page
      .waitForFunction((seen: string) => JSON.stringify(window.chatRecord) !== seen, JSON.stringify(record), {
        timeout: Math.max(1, deadline - Date.now()),
        polling: 50,
      })
      .catch(() => undefined);
  }
}

async function opened(page: Page): Promise<void> {
  await page.waitForFunction(() => window.chatRecord?.states.includes('OPEN'), undefined, { timeout: 10_000, polling: 50 });
}

async function say(page: Page, text: string, binary = false): Promise<void> {
  await page.fill('#message', text);
  await page.click(binary ? '#send-binary' : '#send');
}

describe('the chat demo on two nodes (npm run chat -- --nodes 2)', () => {
  it('a page on each node chats as one room, across processes; a page that leaves is announced on the other node', async () => {
    expect(demo!.pageUrls).toHaveLength(2);
    expect(new Set(demo!.pageUrls).size).toBe(2); // each page talks to its own node
    const alice = await browser!.newPage();
    const bob = await browser!.newPage();
    await alice.goto(demo!.pageUrls[0]!);
    await opened(alice);
    await bob.goto(demo!.pageUrls[1]!);
    await opened(bob);

    const bobId = /^\[(\S+)\] connected$/.exec(await heard(alice, /^\[\S+\] connected$/))![1]!;
    await say(alice, 'Hello from node 1');
    const aliceId = /^\[(\S+)\]/.exec(await heard(bob, /^\[\S+\] Says: Hello from node 1$/))![1]!;
    expect(aliceId).not.toBe(bobId);
    await say(bob, 'Hi from node 2 ✓');
    await heard(alice, new RegExp(`^\\[${bobId.replace('.', '\\.')}\\] Says: Hi from node 2 ✓$`));
    await say(alice, 'bytes ☃', true); // read as UTF-8 by the node, relayed as text
    await heard(bob, /Says: bytes ☃$/);

    await alice.click('#leave');
    await alice.waitForFunction(() => window.chatRecord.closes.length > 0, undefined, { timeout: 10_000, polling: 50 });
    await heard(bob, new RegExp(`^\\[${aliceId.replace('.', '\\.')}\\] disconnected$`));
    const aliceRecord = await recordOf(alice);
    expect(aliceRecord.closes).toEqual([{ code: 4000, reason: 'Leaving the chat', wasClean: true }]);
    expect(receivedText(aliceRecord)).toEqual([`[${bobId}] connected`, `[${bobId}] Says: Hi from node 2 ✓`]);
    const bobRecord = await recordOf(bob);
    expect(receivedText(bobRecord)).toEqual([`[${aliceId}] Says: Hello from node 1`, `[${aliceId}] Says: bytes ☃`, `[${aliceId}] disconnected`]);
    expect(bobRecord.errors).toEqual([]);
    expect(browser!.problems).toEqual([]);
  }, 60_000);
});
