// describeValue(): how every error message shows the value it refuses. It must name the
// value's kind without ever throwing, whatever it is given.
import { describeText, describeValue } from '../../src/peer/describe-value';

describe('describeValue', () => {
  it.each<[string, unknown, string]>([
    ['a string, quoted', 'chat', '"chat"'],
    ['an empty string', '', '""'],
    ['control characters, escaped', 'a\r\nb', '"a\\r\\nb"'],
    ['a number', 42, '42'],
    ['NaN', NaN, 'NaN'],
    ['-0, kept apart from 0', -0, '-0'],
    ['Infinity', Infinity, 'Infinity'],
    ['a BigInt', 10n, '10n'],
    ['a boolean', false, 'false'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a named Symbol', Symbol('s'), 'Symbol(s)'],
    ['an unnamed Symbol', Symbol(), 'a Symbol'],
    ['a function', () => 1, 'a function'],
    ['an array, by length', [1, 2], 'an array of 2'],
    ['a plain object', { a: 1 }, 'an object'],
    ['a null-prototype object', Object.create(null), 'an object with a null prototype'],
    ['a class instance, by its class', new Map(), 'a Map'],
    ['a Uint8Array', new Uint8Array(1), 'a Uint8Array'],
  ])('%s', (_what, value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });

  it('cuts a long string to 57 characters and "..."', () => {
    expect(describeValue('x'.repeat(61))).toBe(JSON.stringify(`${'x'.repeat(57)}...`));
    expect(describeValue('x'.repeat(60))).toBe(JSON.stringify('x'.repeat(60)));
  });

  it('never throws: a Proxy whose traps throw, a class without a name', () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    expect(describeValue(hostile)).toBe('an unreadable value');
    const Anonymous = (() => class {})();
    expect(describeValue(new Anonymous())).toBe('an object');
    const lying = Object.create({ constructor: { name: 42 } }) as object;
    expect(describeValue(lying)).toBe('an object');
  });
});

describe('describeText', () => {
  it('shows strings and numbers as themselves, anything else described', () => {
    expect(describeText('going away')).toBe('going away');
    expect(describeText(1001)).toBe('1001');
    expect(describeText(null)).toBe('null');
    expect(describeText({})).toBe('an object');
    expect(describeText(Symbol('x'))).toBe('Symbol(x)');
  });
});
