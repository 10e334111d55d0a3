// FrameBatch against ws's own Receiver (the parser every ws server and client runs): every
// length class of RFC 6455 (7-bit, 16-bit, 64-bit), text and binary, masked and not, many
// frames in one batch, and the copy made at append() time.
import type { Writable } from 'node:stream';
import WebSocket from 'ws';
import { FrameBatch, headerSize } from '../../../src/peer/node/frame-batch';

// ws exports its frame parser at run time (WebSocket.Receiver); @types/ws does not declare it.
const { Receiver } = WebSocket as unknown as { Receiver: new (options: { isServer: boolean; maxPayload: number }) => Writable };

const LENGTHS = [0, 1, 125, 126, 127, 65535, 65536, 70000];

function parse(chunks: Buffer[], masked: boolean): { data: Buffer; isBinary: boolean }[] {
  const messages: { data: Buffer; isBinary: boolean }[] = [];
  const receiver = new Receiver({ isServer: masked, maxPayload: 0 });
  receiver.on('message', (data: Buffer, isBinary: boolean) => messages.push({ data: Buffer.from(data), isBinary }));
  receiver.on('error', (error: Error) => {
    throw error;
  });
  for (const chunk of chunks) receiver.write(chunk);
  return messages;
}

function payload(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

describe.each([
  ['a server (unmasked)', false],
  ['a client (masked)', true],
])('FrameBatch for %s', (_name, masked) => {
  it('frames every length class so that ws reads back the same messages, in order', () => {
    const batch = new FrameBatch(masked);
    const sent = LENGTHS.map((length, i) => payload(length, i));
    for (const data of sent) batch.append(data, false);
    batch.append(new TextEncoder().encode('héllo'), true);
    expect(batch.count).toBe(LENGTHS.length + 1);
    expect(batch.payloadBytes).toBe(LENGTHS.reduce((a, b) => a + b, 0) + 6);
    const chunks = batch.take();
    expect(batch.count).toBe(0);
    expect(batch.payloadBytes).toBe(0);
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    expect(bytes).toBe(LENGTHS.reduce((sum, n) => sum + n + headerSize(n, masked), 0) + 6 + headerSize(6, masked));
    const received = parse(chunks, masked);
    expect(received.map((m) => m.isBinary)).toEqual([...LENGTHS.map(() => true), false]);
    received.slice(0, -1).forEach((message, i) => expect(message.data.equals(Buffer.from(sent[i]!))).toBe(true));
    expect(received.at(-1)!.data.toString('utf8')).toBe('héllo');
  });

  it('reads back every byte whatever the payload and chunk alignment (masking goes by words from 64 bytes)', () => {
    const batch = new FrameBatch(masked);
    // Lengths around the word threshold and the 4-byte boundaries, at every offset in the chunk.
    const sent: Uint8Array[] = [];
    for (let length = 58; length <= 72; length++) for (let skew = 0; skew < 4; skew++) sent.push(payload(length + skew * 64, length * 4 + skew));
    // Payloads that are views at odd offsets of a larger buffer.
    const backing = payload(4096, 7);
    for (let offset = 1; offset < 9; offset++) sent.push(backing.subarray(offset, offset + 1000 + offset));
    for (const data of sent) batch.append(data, false);
    const received = parse(batch.take(), masked);
    expect(received).toHaveLength(sent.length);
    received.forEach((message, i) => expect(message.data.equals(Buffer.from(sent[i]!))).toBe(true));
  });

  it('keeps each batch to its own frames when batches append in turn (they share chunks)', () => {
    const batches = [new FrameBatch(masked), new FrameBatch(masked), new FrameBatch(masked)];
    const sent: Uint8Array[][] = [[], [], []];
    // Enough bytes to go through several shared chunks, some frames larger than one.
    for (let i = 0; i < 300; i++) {
      const which = (i * 7) % 3;
      const data = payload(i % 50 === 0 ? 20_000 : (i * 37) % 700, i);
      sent[which]!.push(data);
      batches[which]!.append(data, false);
      if (i % 97 === 0) {
        const received = parse(batches[which]!.take(), masked);
        expect(received.map((m) => Buffer.from(m.data))).toEqual(sent[which]!.map((d) => Buffer.from(d)));
        sent[which] = [];
      }
    }
    batches.forEach((batch, which) => {
      const received = parse(batch.take(), masked);
      expect(received.map((m) => Buffer.from(m.data))).toEqual(sent[which]!.map((d) => Buffer.from(d)));
    });
  });

  it('makes a few buffers, not one per message, when batches append in turn (a broadcast)', () => {
    const batches = Array.from({ length: 4 }, () => new FrameBatch(masked));
    const sent = Array.from({ length: 200 }, (_, i) => payload(25, i));
    for (const data of sent) for (const batch of batches) batch.append(data, false);
    for (const batch of batches) {
      const chunks = batch.take();
      expect(chunks.length).toBeLessThanOrEqual(10);
      expect(parse(chunks, masked).map((m) => Buffer.from(m.data))).toEqual(sent.map((d) => Buffer.from(d)));
    }
  });

  it('copies at append(): the caller may reuse its buffer at once', () => {
    const batch = new FrameBatch(masked);
    const buffer = new Uint8Array([1, 2, 3]);
    batch.append(buffer, false);
    buffer[0] = 9;
    batch.append(buffer, false);
    expect(parse(batch.take(), masked).map((m) => [...m.data])).toEqual([
      [1, 2, 3],
      [9, 2, 3],
    ]);
  });

  it('keeps writing into what is left of a chunk after take(), never handing out the same bytes twice', () => {
    const batch = new FrameBatch(masked);
    batch.append(payload(10, 1), false);
    const first = batch.take();
    batch.append(payload(10, 2), false);
    const second = batch.take();
    expect(parse(first, masked).map((m) => m.data[0])).toEqual([1]);
    expect(parse(second, masked).map((m) => m.data[0])).toEqual([2]);
    expect(batch.take()).toEqual([]);
  });
});
