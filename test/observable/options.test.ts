// Option checks shared by the observable layer and the operators: a key nobody reads is
// refused with the nearest valid name, and a timer length is refused before Node would
// silently run it after 1 ms.
import { checkOptions, checkTimerMs, MAX_TIMER_MS } from '../../src/observable/options';

describe('checkOptions', () => {
  const known = ['protocols', 'headers', 'scheduler'];

  it('takes undefined and objects whose keys are all known', () => {
    expect(() => checkOptions('f', undefined, known)).not.toThrow();
    expect(() => checkOptions('f', {}, known)).not.toThrow();
    expect(() => checkOptions('f', { protocols: [], scheduler: undefined }, known)).not.toThrow();
  });

  it.each<[unknown, string]>([
    [null, 'f: options must be an object, got null'],
    ['fast', 'f: options must be an object, got "fast"'],
    [[1], 'f: options must be an object, got an array of 1'],
    [7, 'f: options must be an object, got 7'],
  ])('refuses %p as the options object with a TypeError', (options, message) => {
    expect(() => checkOptions('f', options, known)).toThrow(new TypeError(message));
  });

  it('names the unknown key and the nearest known one (case and small typos)', () => {
    expect(() => checkOptions('f', { protocol: [] }, known)).toThrow(new TypeError('f: unknown option "protocol" (did you mean "protocols"?)'));
    expect(() => checkOptions('f', { Headers: [] }, known)).toThrow('did you mean "headers"?');
    expect(() => checkOptions('f', { wholly: 1 }, known)).toThrow('f: unknown option "wholly" (known keys: protocols, headers, scheduler)');
  });

  it('refuses a Symbol key too, and says what the object is called', () => {
    expect(() => checkOptions('f', { [Symbol('x')]: 1 }, known)).toThrow('f: unknown option Symbol(x)');
    expect(() => checkOptions('op', 'x', known, 'config')).toThrow('op: config must be an object, got "x"');
  });
});

describe('checkTimerMs', () => {
  it('takes 0 (unless refused) up to the longest timer Node runs', () => {
    expect(() => checkTimerMs('f', 'ms', 0)).not.toThrow();
    expect(() => checkTimerMs('f', 'ms', 0.5)).not.toThrow();
    expect(() => checkTimerMs('f', 'ms', MAX_TIMER_MS)).not.toThrow();
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
  });

  it.each<[unknown, boolean, ErrorConstructor, string]>([
    ['5', true, TypeError, 'f: ms must be a number of milliseconds, got "5"'],
    [NaN, true, TypeError, 'f: ms must be a number of milliseconds, got NaN'],
    [undefined, true, TypeError, 'f: ms must be a number of milliseconds, got undefined'],
    [-1, true, RangeError, 'f: ms must be a finite number of milliseconds ≥ 0, got -1'],
    [Infinity, true, RangeError, 'f: ms must be a finite number of milliseconds ≥ 0, got Infinity'],
    [0, false, RangeError, 'f: ms must be a finite number of milliseconds > 0, got 0'],
    [2 ** 31, true, RangeError, `f: ms must be at most ${2 ** 31 - 1} ms (about 24.8 days, the longest timer Node and browsers run), got ${2 ** 31}`],
  ])('refuses %p (allowZero %p) with a %p', (value, allowZero, type, message) => {
    expect(() => checkTimerMs('f', 'ms', value, allowZero)).toThrow(new type(message));
  });
});
