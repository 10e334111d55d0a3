// toPem(): PEM as Node's TLS options take it. Bytes are viewed, not copied.
import { toPem } from '../../../src/peer/node/pem';

describe('toPem', () => {
  it('passes a string and undefined through', () => {
    expect(toPem('-----BEGIN X-----')).toBe('-----BEGIN X-----');
    expect(toPem(undefined)).toBeUndefined();
  });

  it('views exactly the bytes of a Uint8Array (offset and length kept) without copying them', () => {
    const backing = new Uint8Array([0, 65, 66, 67, 0]);
    const view = backing.subarray(1, 4);
    const pem = toPem(view) as Buffer;
    expect(Buffer.isBuffer(pem)).toBe(true);
    expect(pem.toString('latin1')).toBe('ABC');
    backing[2] = 90;
    expect(pem.toString('latin1')).toBe('AZC');
  });
});
