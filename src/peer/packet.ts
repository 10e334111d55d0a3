import { decodeUtf8 } from './utf8.js';

/** One received WebSocket message. Text packets also expose `text`. */
export interface Packet {
  /**
   * The payload, the reader's to keep: nothing writes to it afterwards. A large one may be a
   * view into a slightly larger buffer (the network read it arrived in; never more than
   * 4 × its size + 256 bytes), and in Node a `Buffer` (whose `slice()` is a view, not a
   * copy): read it through `byteOffset` and `byteLength`.
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
