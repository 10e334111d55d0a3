// The chat demo end to end: two Chromium tabs chat through `rxpeer serve --chat`, and
// everything is checked from inside the pages (their own record of states and packets)
// and from the server's output.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ChatDemo, startChatDemo } from '../../examples/chat/serve.js';
import { REPO_ROOT } from '../helpers/built-package.js';
import { useChromium } from '../helpers/chromium.js';
import { receivedText, recordOf, say, until } from './support/chat-page.js';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

let demo: ChatDemo;
const rig = useChromium(async (built, later) => {
  demo = await startChatDemo({ packageDir: built.packageDir, chatPort: 0, httpPort: 0 });
  later(() => demo.stop());
});

describe('the chat demo in Chromium', () => {
  it('two pages chat through the rxpeer server; a page leaves with 4000 and a reason', async () => {
    const alice = await rig.browser.newPage();
    const bob = await rig.browser.newPage();

    await alice.goto(demo.pageUrl);
    await until(alice, 'Alice OPEN', (r) => r.states.includes('OPEN'));
    const aliceId = /^Client (\d+) connected/.exec(await demo.waitForOutput(/^Client \d+ connected/))![1]!;

    await bob.goto(demo.pageUrl);
    await until(bob, 'Bob OPEN', (r) => r.states.includes('OPEN'));
    const bobLine = await demo.waitForOutput(new RegExp(`^Client (?!${aliceId} )\\d+ connected .*protocol: demo-chat$`));
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
    await demo.waitForOutput(new RegExp(`^\\[${aliceId}\\] Says: bytes ☃$`));

    // The state next to the log is live.
    expect(await alice.textContent('#state')).toBe('OPEN');
    expect(await alice.getAttribute('#state', 'data-state')).toBe('OPEN');

    // Alice leaves: a clean close with 4000 and a reason.
    await alice.click('#leave');
    const aliceRecord = await until(alice, 'Alice CLOSED', (r) => r.closes.length > 0 && r.states.at(-1) === 'CLOSED');
    await until(bob, 'the leave notice', (r) => receivedText(r).includes(`[${aliceId}] disconnected`));
    await demo.waitForOutput(new RegExp(`^Client ${aliceId} disconnecting with code: 4000, reason: Leaving the chat$`));
    await demo.waitForOutput(new RegExp(`^Client ${aliceId} disconnected, clean: true$`));
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
    expect(rig.browser.problems).toEqual([]);
  }, 60_000);
});
