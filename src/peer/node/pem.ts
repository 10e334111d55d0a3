/** PEM given as a string or bytes, as node's TLS options take it (bytes are not copied). */
export function toPem(value: string | Uint8Array): string | Buffer;
export function toPem(value: string | Uint8Array | undefined): string | Buffer | undefined;
export function toPem(value: string | Uint8Array | undefined): string | Buffer | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
