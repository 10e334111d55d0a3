// The pure argument checks behind connectToUrl and close(), checked directly: Node's own
// header validation would otherwise hide a gap here (ws throws, the peer reports it).
import {
  isSendableCloseCode,
  isValidCloseReason,
  normalizeProtocols,
  parseHeaderLine,
  parseWebSocketUrl,
} from '../../src/peer/validation.js';

describe('parseHeaderLine', () => {
  it.each(['X-A: 1\r\nX-B: 2', 'X-A: 1\nX-B: 2', 'X-A: 1\rX-B: 2', 'X-A: \0', 'X-A: a\u0001b', 'X-A: \u007f', 'X-A: \u0100', 'X-A', ': v', 'X A: v', 'X-A\r\n: v', 42])(
    'refuses %j',
    (line) => expect(parseHeaderLine(line)).toBeNull(),
  );

  it('keeps what Node sends: tab, visible ASCII and obs-text (Latin-1)', () => {
    expect(parseHeaderLine('X-A: a\tb ~ \u00e9')).toEqual({ name: 'X-A', value: 'a\tb ~ \u00e9' });
  });

  it('splits at the first colon and trims', () => {
    expect(parseHeaderLine('  X-Token :  a:b  ')).toEqual({ name: 'X-Token', value: 'a:b' });
    expect(parseHeaderLine('X-Empty:')).toEqual({ name: 'X-Empty', value: '' });
  });
});

describe('normalizeProtocols', () => {
  it('strips whitespace and refuses non-tokens and repeats', () => {
    expect(normalizeProtocols([' a ', '\tb'])).toEqual(['a', 'b']);
    expect(normalizeProtocols(['a', ' a'])).toBeNull();
    expect(normalizeProtocols(['a b'])).toBeNull();
    expect(normalizeProtocols([''])).toBeNull();
    expect(normalizeProtocols('a')).toBeNull();
  });
});

describe('parseWebSocketUrl', () => {
  it('takes ws:// and wss:// only', () => {
    expect(parseWebSocketUrl('ws://h')?.pathname).toBe('/');
    expect(parseWebSocketUrl('wss://h:1/p?q')?.search).toBe('?q');
    expect(parseWebSocketUrl('http://h')).toBeNull();
    expect(parseWebSocketUrl('ws://h/#frag')).toBeNull();
    expect(parseWebSocketUrl('')).toBeNull();
  });
});

describe('close arguments', () => {
  it('sendable codes are 1000–1003, 1007–1014, 3000–4999', () => {
    const sendable = Array.from({ length: 6000 }, (_, code) => code).filter(isSendableCloseCode);
    const expected = [
      ...[1000, 1001, 1002, 1003],
      ...Array.from({ length: 8 }, (_, i) => 1007 + i),
      ...Array.from({ length: 2000 }, (_, i) => 3000 + i),
    ];
    expect(sendable).toEqual(expected);
  });

  it('a reason may have 123 UTF-8 bytes, lone surrogates counting as 3', () => {
    expect(isValidCloseReason('€'.repeat(41))).toBe(true);
    expect(isValidCloseReason('€'.repeat(41) + 'a')).toBe(false);
    expect(isValidCloseReason('\ud800'.repeat(41))).toBe(true);
    expect(isValidCloseReason('\ud800'.repeat(41) + 'a')).toBe(false);
    expect(isValidCloseReason(undefined)).toBe(false);
  });
});
