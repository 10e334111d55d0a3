// Reading a chat demo page from its own record (window.chatRecord, kept by examples/chat/page.ts):
// what it received, waits bounded and woken by the record changing, and typing into it.
import type { Page } from 'playwright-core';
import type { ChatRecord } from '../../../examples/chat/page.js';

const WAIT_MS = 10_000;

export const recordOf = (page: Page): Promise<ChatRecord> => page.evaluate(() => window.chatRecord);

/** The texts the page received, in order. */
export const receivedText = (record: ChatRecord): string[] => record.received.flatMap((r) => (r.text === undefined ? [] : [r.text]));

/** Waits (bounded) until the page's own record satisfies `predicate`; says what it was waiting for. */
export async function until(page: Page, what: string, predicate: (record: ChatRecord) => boolean): Promise<ChatRecord> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const record = await recordOf(page);
    if (predicate(record)) return record;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}; the page recorded ${JSON.stringify(record)}`);
    // Wait for the record to change (checked in the page every 50 ms), not for a fixed time.
    await page
      .waitForFunction((seen: string) => JSON.stringify(window.chatRecord) !== seen, JSON.stringify(record), {
        timeout: Math.max(1, deadline - Date.now()),
        polling: 50,
      })
      .catch(() => undefined);
  }
}

/** Waits (bounded) until the page received a line matching `pattern`; returns it. */
export async function heard(page: Page, pattern: RegExp): Promise<string> {
  const record = await until(page, String(pattern), (r) => receivedText(r).some((text) => pattern.test(text)));
  return receivedText(record).find((text) => pattern.test(text))!;
}

/** Waits (bounded) until the page's connection is OPEN. */
export async function opened(page: Page): Promise<void> {
  await page.waitForFunction(() => window.chatRecord?.states.includes('OPEN'), undefined, { timeout: WAIT_MS, polling: 50 });
}

/** Types `text` and sends it as text, or as binary. */
export async function say(page: Page, text: string, binary = false): Promise<void> {
  await page.fill('#message', text);
  await page.click(binary ? '#send-binary' : '#send');
}
