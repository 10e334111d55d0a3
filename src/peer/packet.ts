import { decodeUtf8 } from './utf8.js';

/** One received WebSocket message. Text packets also expose `text`. */
export interface Packet {
  /**
   * The payload, the reader's to keep: nothing writes to it afterwards. It may be a view
   * into a larger buffer (the network read it arrived in, shared with the messages next to
   * it), and in Node a `Buffer` (whose `slice()` is a view, not a copy): read it through
   * `byteOffset` and `byteLength`, and copy it with `Uint8Array.from(data)` to keep a few
   * bytes for long without keeping that buffer.
   */
  readonly data: Uint8Array;
  readonly isString: boolean;
  readonly text?: string;
}

export interface TextPacket extends Packet {
  readonly isString: true;
  readonly text: string;
}

class TextPacketImpl implements TextPacket {
  readonly isString = true as const;
  #text: string | undefined;
  constructor(readonly data: Uint8Array) {}
  get text(): string {
    return (this.#text ??= decodeUtf8(this.data));
  }
}

class BinaryPacketImpl implements Packet {
  readonly isString = false as const;
  constructor(readonly data: Uint8Array) {}
}

export function createPacket(data: Uint8Array, isString: boolean): Packet {
  return isString ? new TextPacketImpl(data) : new BinaryPacketImpl(data);
}
