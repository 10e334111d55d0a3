import type { OperatorFunction } from 'rxjs';
import type { Packet } from '../peer/packet.js';
import { DecodeError, decoder, type DecodeConfig, type Decoded, DECODE_CONFIG_KEYS } from './decode-error.js';
import { checkBoolean, checkConfig } from './validate.js';

export interface TextConfig extends DecodeConfig {
  /** Also decode binary frames as UTF-8 (invalid UTF-8 is a decode error). Default false: they are unexpected. */
  acceptBinary?: boolean;
}

const strictUtf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 text of a packet; binary frames only when `acceptBinary`. Shared with json(). */
export function packetText(packet: Packet, acceptBinary: boolean): Decoded<string> {
  if (packet.isString) return { value: packet.text ?? strictUtf8.decode(packet.data) };
  if (!acceptBinary) return { error: new DecodeError('unexpected-binary', packet) };
  try {
    return { value: strictUtf8.decode(packet.data) };
  } catch (cause) {
    return { error: new DecodeError('invalid-utf8', packet, { cause }) };
  }
}

/**
 * Packets → strings. Text frames pass; a binary frame is a decode error (reported
 * through `onError` and skipped, so the stream goes on) unless `acceptBinary` is set.
 *
 * @example
 * socket.packets$.pipe(
 *   text({ onError: (e) => console.warn('not text:', e.reason) }),
 * ).subscribe((line) => console.log(line));
 */
export function text(config: TextConfig = {}): OperatorFunction<Packet, string> {
  checkConfig('text', config, ['acceptBinary', ...DECODE_CONFIG_KEYS]);
  const { acceptBinary = false } = config;
  checkBoolean('text', 'acceptBinary', acceptBinary);
  return decoder('text', config, (packet) => packetText(packet, acceptBinary));
}
