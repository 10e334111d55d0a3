// UTF-8 helpers that run the same in Node and browsers: byte lengths counted without
// allocating (close reasons are limited to 123 bytes), strict validation for text frames.
import { decodeUtf8, encodeUtf8, isUtf8, utf8ByteLength } from '../../src/peer/utf8';

describe('utf8ByteLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['a😀é€', 10],
  ])('%j is %i bytes, as the encoder says', (text, bytes) => {
    expect(utf8ByteLength(text)).toBe(bytes);
    expect(utf8ByteLength(text)).toBe(encodeUtf8(text).byteLength);
  });

  it('counts a lone surrogate as U+FFFD (3 bytes), as the encoder writes it', () => {
    for (const text of ['\ud800', '\udc00', 'a\ud800b', '\ud800\ud800']) {
      expect(utf8ByteLength(text)).toBe(encodeUtf8(text).byteLength);
    }
  });
});

describe('isUtf8', () => {
  it('accepts valid UTF-8 and refuses broken sequences', () => {
    expect(isUtf8(encodeUtf8('héllo 😀'))).toBe(true);
    expect(isUtf8(new Uint8Array([]))).toBe(true);
    expect(isUtf8(new Uint8Array([0xc3]))).toBe(false); // cut in the middle of a character
    expect(isUtf8(new Uint8Array([0xff]))).toBe(false);
    expect(isUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(false); // an encoded surrogate
  });
});

describe('decodeUtf8', () => {
  it('decodes what encodeUtf8 wrote, and replaces what is broken', () => {
    expect(decodeUtf8(encodeUtf8('a😀é€'))).toBe('a😀é€');
    expect(decodeUtf8(new Uint8Array([0x61, 0xff]))).toBe('a\ufffd');
  });
});
