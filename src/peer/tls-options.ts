export interface TLSClientConfig {
  /** PEM bundle of the CAs to trust instead of the system's. */
  trustedCa?: string | Uint8Array;
  /** Host name the certificate must match instead of the URL's. */
  commonNameOverride?: string;
}

/**
 * TLS settings for `connectToUrl` (client) or `StreamPeerTLS.acceptStream` (server),
 * as Godot's `TLSOptions`. Create with the static factories.
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
    return new TLSOptions('client', options.trustedCa, options.commonNameOverride, undefined, undefined);
  }

  /**
   * Encrypt without checking the host name; without `trustedCa` the chain is not checked
   * either (with it, the chain must lead to that CA, as in Godot). For development only.
   */
  static clientUnsafe(options: Pick<TLSClientConfig, 'trustedCa'> = {}): TLSOptions {
    return new TLSOptions('client-unsafe', options.trustedCa, undefined, undefined, undefined);
  }

  /** Server certificate chain and private key, both PEM. */
  static server(key: string | Uint8Array, cert: string | Uint8Array): TLSOptions {
    return new TLSOptions('server', undefined, undefined, key, cert);
  }

  isServer(): boolean {
    return this.mode === 'server';
  }
}
