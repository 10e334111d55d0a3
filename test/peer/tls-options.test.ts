// TLSOptions' factories check their arguments at once, as Godot's typed arguments are: a bad
// value throws a TypeError naming it, so nothing invalid reaches Node's TLS stack. What a
// connection does with them (verification, SNI) is in tls.test.ts, over real sockets.
import { isUsableClientTls, TLSOptions } from '../../src/peer/tls-options';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('TLSOptions.client', () => {
  it('keeps what it was given; bytes are taken as PEM when they hold a BEGIN block anywhere', () => {
    const options = TLSOptions.client({ trustedCa: PEM, commonNameOverride: 'game.example' });
    expect(options).toMatchObject({ mode: 'client', trustedCa: PEM, commonNameOverride: 'game.example' });
    expect(options.isServer()).toBe(false);
    const bytes = new Uint8Array(20_000).fill(0x20);
    bytes.set(new TextEncoder().encode(PEM), 19_000); // past the first 8 KiB chunk
    expect(TLSOptions.client({ trustedCa: bytes }).trustedCa).toBe(bytes);
    expect(TLSOptions.client()).toMatchObject({ mode: 'client', trustedCa: undefined });
  });

  it.each(['127.0.0.1', '::1', 'fe80::1', 'a', 'under_score.example', 'trailing.dot.'])('takes %p as commonNameOverride', (name) => {
    expect(TLSOptions.client({ commonNameOverride: name }).commonNameOverride).toBe(name);
  });

  it.each<[unknown, RegExp]>([
    ['x', /^TLSOptions\.client: options must be an object, got "x"$/],
    [null, /^TLSOptions\.client: options must be an object, got null$/],
    [{ trustedCA: PEM }, /^TLSOptions\.client: unknown option "trustedCA" \(did you mean "trustedCa"\?\)$/],
    [{ trustedCa: 'not pem' }, /^TLSOptions\.client: trustedCa must be PEM text \(a string or bytes with a "-----BEGIN" block\), got "not pem"$/],
    [{ trustedCa: new Uint8Array([1, 2]) }, /trustedCa must be PEM text/],
    [{ trustedCa: 42 }, /trustedCa must be PEM text .*got 42$/],
    [{ commonNameOverride: '' }, /^TLSOptions\.client: commonNameOverride must be a host name or IP address, got ""$/],
    [{ commonNameOverride: 'a b' }, /commonNameOverride must be a host name/],
    [{ commonNameOverride: 'https://x' }, /commonNameOverride must be a host name/],
    [{ commonNameOverride: `${'a'.repeat(64)}.example` }, /commonNameOverride must be a host name/],
    [{ commonNameOverride: 7 }, /commonNameOverride must be a host name or IP address, got 7$/],
  ])('refuses %j with a TypeError naming it', (options, message) => {
    expect(() => TLSOptions.client(options as never)).toThrow(TypeError);
    expect(() => TLSOptions.client(options as never)).toThrow(message);
  });
});

describe('TLSOptions.clientUnsafe', () => {
  it('takes only trustedCa, checked as for client()', () => {
    expect(TLSOptions.clientUnsafe()).toMatchObject({ mode: 'client-unsafe', trustedCa: undefined });
    expect(TLSOptions.clientUnsafe({ trustedCa: PEM }).trustedCa).toBe(PEM);
    expect(() => TLSOptions.clientUnsafe({ commonNameOverride: 'x' } as never)).toThrow(/^TLSOptions\.clientUnsafe: unknown option "commonNameOverride"/);
    expect(() => TLSOptions.clientUnsafe({ trustedCa: 'nope' })).toThrow(/^TLSOptions\.clientUnsafe: trustedCa must be PEM text/);
  });
});

describe('TLSOptions.server', () => {
  it('checks only the types (whether they load is answered where they are used)', () => {
    const options = TLSOptions.server('key', new Uint8Array([1]));
    expect(options.isServer()).toBe(true);
    expect(options).toMatchObject({ mode: 'server', key: 'key' });
    expect(() => TLSOptions.server(undefined as never, 'cert')).toThrow(
      new TypeError('TLSOptions.server: key must be PEM text (a string or a Uint8Array), got undefined'),
    );
    expect(() => TLSOptions.server('key', {} as never)).toThrow('TLSOptions.server: cert must be PEM text (a string or a Uint8Array), got an object');
  });
});

describe('isUsableClientTls', () => {
  it('takes what the client factories made, and nothing else', () => {
    expect(isUsableClientTls(TLSOptions.client())).toBe(true);
    expect(isUsableClientTls(TLSOptions.clientUnsafe({ trustedCa: PEM }))).toBe(true);
    expect(isUsableClientTls(TLSOptions.server('k', 'c'))).toBe(false);
    expect(isUsableClientTls({ mode: 'client' })).toBe(false);
    expect(isUsableClientTls(undefined)).toBe(false);
  });

  it('refuses a factory-made object whose fields were changed afterwards', () => {
    const forgedCa = TLSOptions.client();
    (forgedCa as { trustedCa: unknown }).trustedCa = 'not pem';
    expect(isUsableClientTls(forgedCa)).toBe(false);
    const forgedName = TLSOptions.client();
    (forgedName as { commonNameOverride: unknown }).commonNameOverride = 'a b';
    expect(isUsableClientTls(forgedName)).toBe(false);
  });
});
