// Session credentials: a random public id and secret, a token that splits back into both,
// and a comparison of secrets that looks at every byte.
import { sameSecret, splitToken, toToken, newSecret, newSessionId } from '../../../src/observable/session/credential';
import { TOKEN_BYTES } from '../../../src/observable/session/wire';

describe('session credentials', () => {
  it('random ids and secrets; a token splits back into both; secrets compared in full', () => {
    const id = newSessionId();
    const secret = newSecret();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(newSessionId()).not.toBe(id);
    const parts = splitToken(toToken(id, secret));
    expect(parts.sessionId).toBe(id);
    expect(sameSecret(parts.secret, secret)).toBe(true);
    const other = secret.slice();
    other[31]! ^= 0x80;
    expect(sameSecret(other, secret)).toBe(false);
    expect(sameSecret(secret.subarray(1), secret)).toBe(false);
  });

  it('a token is the id bytes then the secret, TOKEN_BYTES long; hex ids keep leading zeros', () => {
    const id = '00' + 'ab'.repeat(15);
    const secret = Uint8Array.from({ length: TOKEN_BYTES - 16 }, (_, i) => i);
    const token = toToken(id, secret);
    expect(token.byteLength).toBe(TOKEN_BYTES);
    expect([...token.subarray(0, 2)]).toEqual([0x00, 0xab]);
    expect(splitToken(token)).toEqual({ sessionId: id, secret });
  });

  it('sameSecret: equal bytes only; a difference in the last byte or the length is caught', () => {
    expect(sameSecret(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(sameSecret(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(sameSecret(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(sameSecret(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
