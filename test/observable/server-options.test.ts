// checkServerOptions(): the options listen() and attach() share, checked at the call. Each
// bad value is refused naming the option; the defaults are what the JSDoc says.
import { checkServerOptions } from '../../src/observable/server-options';

describe('checkServerOptions', () => {
  it('defaults: a 3000 ms handshake, no limits, no hooks, no sessions', () => {
    expect(checkServerOptions({}, 'listen')).toEqual({
      handshakeTimeout: 3000,
      authorize: undefined,
      origins: undefined,
      maxConnections: Infinity,
      maxConnectionsPerAddress: Infinity,
      onRefused: undefined,
      resume: null,
    });
  });

  it('an origins list allows exactly those origins, and refuses a request without one', () => {
    const { origins } = checkServerOptions({ origins: ['https://app.example'] }, 'listen');
    expect(origins?.('https://app.example')).toBe(true);
    expect(origins?.('https://app.example.evil')).toBe(false);
    expect(origins?.(undefined)).toBe(false);
    const fn = (origin: string | undefined): boolean => origin === undefined;
    expect(checkServerOptions({ origins: fn }, 'attach').origins).toBe(fn);
  });

  it('keeps the limits, the hooks and 0 as "no handshake limit"', () => {
    const authorize = (): boolean => true;
    const onRefused = (): void => {};
    const checked = checkServerOptions({ handshakeTimeout: 0, maxConnections: 5, maxConnectionsPerAddress: 1, authorize, onRefused, resume: true }, 'listen');
    expect(checked).toMatchObject({ handshakeTimeout: 0, maxConnections: 5, maxConnectionsPerAddress: 1, authorize, onRefused });
    expect(checked.resume).not.toBeNull();
  });

  it.each<[object, ErrorConstructor, RegExp]>([
    [{ handshakeTimeout: -1 }, RangeError, /^attach: handshakeTimeout must be a finite number of milliseconds ≥ 0, got -1$/],
    [{ handshakeTimeout: '3s' }, TypeError, /^attach: handshakeTimeout must be a number of milliseconds/],
    [{ authorize: true }, TypeError, /^attach: authorize must be a function, got true$/],
    [{ onRefused: 'log' }, TypeError, /^attach: onRefused must be a function, got "log"$/],
    [{ origins: 'https://a' }, TypeError, /^attach: origins must be an array of strings or a function, got "https:\/\/a"$/],
    [{ origins: ['https://a', 1] }, TypeError, /^attach: origins must be an array of strings or a function, got an array of 2$/],
    [{ maxConnections: 0 }, RangeError, /^attach: maxConnections must be an integer ≥ 1, got 0$/],
    [{ maxConnections: 1.5 }, RangeError, /^attach: maxConnections must be an integer ≥ 1, got 1.5$/],
    [{ maxConnectionsPerAddress: Infinity }, RangeError, /^attach: maxConnectionsPerAddress must be an integer ≥ 1, got Infinity$/],
    [{ resume: 'yes' }, TypeError, /^attach: resume must be true, false or/],
  ])('refuses %p, naming the option', (options, type, message) => {
    expect(() => checkServerOptions(options as never, 'attach')).toThrow(type);
    expect(() => checkServerOptions(options as never, 'attach')).toThrow(message);
  });
});
