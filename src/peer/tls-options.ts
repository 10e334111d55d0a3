import { describeValue } from './describe-value.js';
import { refuseUnknownKeys } from './validation.js';

export interface TLSClientConfig {
  /** PEM bundle of the CAs to trust instead of the system's. */
  trustedCa?: string | Uint8Array;
  /** Host name the certificate must match instead of the URL's. */
  commonNameOverride?: string;
}

/**
 * TLS settings for `connectToUrl` (client) or `StreamPeerTLS.acceptStream` (server),
 * as Godot's `TLSOptions`. Create with the static factories.
 *
 * The factories check their arguments at once, as Godot's typed arguments are: a value of
 * the wrong type, a `trustedCa` without a PEM `-----BEGIN` block, an empty or non-host-name
 * `commonNameOverride`, or an unknown key throws a `TypeError` naming it. Nothing invalid
 * ever reaches Node's TLS stack (where it would throw later, outside any call).
 */
export class TLSOptions {
  private constructor(
    readonly mode: 'client' | 'client-unsafe' | 'server',
    readonly trustedCa: string | Uint8Array | undefined,
    readonly commonNameOverride: string | undefined,
    readonly key: string | Uint8Array | undefined,
    readonly cert: string | Uint8Array | undefined,
  ) {}

  /** Verify the server's certificate and host name (optionally against other CAs / another name). */
  static client(options: TLSClientConfig = {}): TLSOptions {
    const caller = 'TLSOptions.client';
    checkConfigObject(caller, options, ['trustedCa', 'commonNameOverride']);
    const { trustedCa, commonNameOverride } = options;
    if (trustedCa !== undefined) checkPem(caller, 'trustedCa', trustedCa);
    if (commonNameOverride !== undefined && !isHostName(commonNameOverride)) {
      throw new TypeError(`${caller}: commonNameOverride must be a host name or IP address, got ${describeValue(commonNameOverride)}`);
    }
    return new TLSOptions('client', trustedCa, commonNameOverride, undefined, undefined);
  }

  /**
   * Encrypt without checking the host name; without `trustedCa` the chain is not checked
   * either (with it, the chain must lead to that CA, as in Godot). For development only.
   */
  static clientUnsafe(options: Pick<TLSClientConfig, 'trustedCa'> = {}): TLSOptions {
    const caller = 'TLSOptions.clientUnsafe';
    checkConfigObject(caller, options, ['trustedCa']);
    if (options.trustedCa !== undefined) checkPem(caller, 'trustedCa', options.trustedCa);
    return new TLSOptions('client-unsafe', options.trustedCa, undefined, undefined, undefined);
  }

  /** Server certificate chain and private key, both PEM. Whether they match shows at `StreamPeerTLS.acceptStream`. */
  static server(key: string | Uint8Array, cert: string | Uint8Array): TLSOptions {
    // Only the types here: whether Node can load them is answered where they are used
    // (StreamPeerTLS.acceptStream: ERR_INVALID_PARAMETER; listen(): a TypeError).
    checkPemType('TLSOptions.server', 'key', key);
    checkPemType('TLSOptions.server', 'cert', cert);
    return new TLSOptions('server', undefined, undefined, key, cert);
  }

  isServer(): boolean {
    return this.mode === 'server';
  }
}

/**
 * Client options made by the factories (a forged or server object is not): what
 * `connectToUrl` accepts, else it answers ERR_INVALID_PARAMETER.
 */
export function isUsableClientTls(value: unknown): value is TLSOptions {
  if (!(value instanceof TLSOptions)) return false;
  if (value.mode !== 'client' && value.mode !== 'client-unsafe') return false;
  if (value.trustedCa !== undefined && !isPem(value.trustedCa)) return false;
  return value.commonNameOverride === undefined || isHostName(value.commonNameOverride);
}

function checkConfigObject(caller: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object, got ${describeValue(options)}`);
  }
  refuseUnknownKeys(caller, options, known);
}

function checkPem(caller: string, name: string, value: unknown): void {
  if (!isPem(value)) {
    throw new TypeError(`${caller}: ${name} must be PEM text (a string or bytes with a "-----BEGIN" block), got ${describeValue(value)}`);
  }
}

function checkPemType(caller: string, name: string, value: unknown): void {
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw new TypeError(`${caller}: ${name} must be PEM text (a string or a Uint8Array), got ${describeValue(value)}`);
  }
}

function isPem(value: unknown): value is string | Uint8Array {
  if (typeof value === 'string') return value.includes('-----BEGIN ');
  if (!(value instanceof Uint8Array)) return false;
  // Latin-1 keeps every byte one character: enough to find the ASCII marker.
  let text = '';
  for (let i = 0; i < value.length; i += 8192) text += String.fromCharCode(...value.subarray(i, i + 8192));
  return text.includes('-----BEGIN ');
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_-]{1,63})*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

/** A DNS name (labels of letters, digits, `-`, `_`), a dotted IPv4 address or an IPv6 address. */
function isHostName(value: unknown): value is string {
  return typeof value === 'string' && (HOST_NAME.test(value) || (value.includes(':') && IPV6.test(value)));
}
