// The chat demo as two processes sharing a real redis-server (`npm run chat -- --nodes 2`):
// one Chromium page on each node chat as one room; everything is checked from the pages' own
// records.
import { type ChatDemo, startChatDemo } from '../../examples/chat/serve.js';
import { startRedis } from '../helpers/redis-server.js';
import { useChromium } from '../helpers/chromium.js';
import { heard, opened, receivedText, recordOf, say } from './support/chat-page.js';

let demo: ChatDemo;
const rig = useChromium(async (built, later) => {
  const redis = await startRedis();
  later(() => redis.stop());
  demo = await startChatDemo({ packageDir: built.packageDir, chatPort: 0, httpPort: 0, nodes: 2, redisUrl: redis.url });
  later(() => demo.stop());
});

describe('the chat demo on two nodes (npm run chat -- --nodes 2)', () => {
  it('a page on each node chats as one room, across processes; a page that leaves is announced on the other node', async () => {
    expect(demo.pageUrls).toHaveLength(2);
    expect(new Set(demo.pageUrls).size).toBe(2); // each page talks to its own node
    const alice = await rig.browser.newPage();
    const bob = await rig.browser.newPage();
    await alice.goto(demo.pageUrls[0]!);
    await opened(alice);
    await bob.goto(demo.pageUrls[1]!);
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
    expect(rig.browser.problems).toEqual([]);
  }, 60_000);
});
