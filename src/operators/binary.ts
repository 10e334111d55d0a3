import type { OperatorFunction } from 'rxjs';
import type { Packet } from '../peer/packet.js';
import { DecodeError, decoder, type DecodeConfig, DECODE_CONFIG_KEYS } from './decode-error.js';
import { checkBoolean, checkConfig } from './validate.js';

export interface BinaryConfig extends DecodeConfig {
  /** Also pass text frames, as their UTF-8 bytes. Default false: they are unexpected. */
  acceptText?: boolean;
}

/**
 * Packets → bytes. Binary frames pass as their `Uint8Array`; a text frame is a decode
 * error (reported through `onError` and skipped) unless `acceptText` is set.
 *
 * @example
 * socket.packets$.pipe(
 *   binary({ onError: (e) => console.warn('unexpected', e.reason) }),
 *   map((bytes) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)),
 * ).subscribe(console.log);
 */
export function binary(config: BinaryConfig = {}): OperatorFunction<Packet, Uint8Array> {
  checkConfig('binary', config, ['acceptText', ...DECODE_CONFIG_KEYS]);
  const { acceptText = false } = config;
  checkBoolean('binary', 'acceptText', acceptText);
  return decoder<Uint8Array>('binary', config, (packet) =>
    packet.isString && !acceptText ? { error: new DecodeError('unexpected-text', packet) } : { value: packet.data },
  );
}
