// judge(): every value an authorize hook can return, of every type, becomes "accept" or an
// HTTP refusal, never a throw (a pure module: no sockets).
import { isThenable, judge, statusMessage } from '../../src/peer/handshake.js';

const invalid = { status: 500, message: 'authorize returned an invalid verdict' };

describe('judge()', () => {
  it('accepts true and { accept: true, context }', () => {
    expect(judge(true)).toEqual({ accept: true, context: undefined });
    expect(judge({ accept: true, context: { user: 1 } })).toEqual({ accept: true, context: { user: 1 } });
  });

  it('refuses false with 401 and a status with that status and its message', () => {
    expect(judge(false)).toEqual({ status: 401, message: 'Unauthorized' });
    expect(judge({ status: 403 })).toEqual({ status: 403, message: 'Forbidden' });
    expect(judge({ status: 418, message: 'teapot' })).toEqual({ status: 418, message: 'teapot' });
    expect(judge({ status: 599 })).toEqual({ status: 599, message: 'Server Error' });
    expect(judge({ status: 429, headers: { 'Retry-After': '3' } })).toEqual({ status: 429, message: 'Too Many Requests', headers: { 'Retry-After': '3' } });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 1],
    ['a string', 'yes'],
    ['a BigInt', 10n],
    ['a Symbol', Symbol('x')],
    ['a function', () => true],
    ['a 2xx status', { status: 200 }],
    ['a 3xx status', { status: 301 }],
    ['a fractional status', { status: 401.5 }],
    ['a status as a string', { status: '401' }],
    ['accept: "true"', { accept: 'true' }],
    ['a null-prototype object', Object.create(null) as object],
    ['an array', [true]],
  ])('refuses %s with 500', (_what, verdict) => {
    expect(judge(verdict)).toEqual(invalid);
  });

  it('refuses headers that would split the response, or are not strings', () => {
    expect(judge({ status: 429, headers: { 'Retry-After': '1\r\nSet-Cookie: x=1' } })).toEqual({ status: 500, message: 'authorize returned invalid headers' });
    expect(judge({ status: 429, headers: { 'Bad Name': '1' } })).toEqual({ status: 500, message: 'authorize returned invalid headers' });
    expect(judge({ status: 429, headers: { 'Retry-After': 3 } })).toEqual({ status: 500, message: 'authorize returned invalid headers' });
  });

  it('never throws, even for a verdict whose properties throw when read', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('gotcha');
        },
      },
    );
    expect(judge(hostile)).toEqual(invalid);
    expect(isThenable(hostile)).toBe(false);
  });
});

describe('isThenable()', () => {
  it('tells promises and thenables from other values', () => {
    expect(isThenable(Promise.resolve(true))).toBe(true);
    expect(isThenable({ then: () => {} })).toBe(true);
    expect(isThenable(true)).toBe(false);
    expect(isThenable(null)).toBe(false);
  });
});

describe('statusMessage()', () => {
  it('names the common statuses and falls back by class', () => {
    expect(statusMessage(503)).toBe('Service Unavailable');
    expect(statusMessage(499)).toBe('Refused');
  });
});
