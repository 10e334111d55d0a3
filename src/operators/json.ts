import type { OperatorFunction } from 'rxjs';
import type { Packet } from '../peer/packet.js';
import { DecodeError, decoder, type DecodeConfig, DECODE_CONFIG_KEYS } from './decode-error.js';
import { packetText } from './text.js';
import { checkBoolean, checkConfig, checkFunction } from './validate.js';

export interface JsonConfig<T> extends DecodeConfig {
  /** Also parse binary frames (as UTF-8). Default false: they are unexpected. */
  acceptBinary?: boolean;
  /** Passed to JSON.parse. */
  reviver?: (this: unknown, key: string, value: unknown) => unknown;
  /** Checks the parsed value; false makes it a decode error ('invalid-value'). A type guard narrows T. */
  validate?: ((value: unknown) => value is T) | ((value: unknown) => boolean);
}

/**
 * Packets → parsed JSON. Malformed JSON, a binary frame (unless `acceptBinary`) and a
 * value `validate` refuses are decode errors: reported through `onError` and skipped,
 * so one bad message never ends the stream (set `failOnError` to end it instead).
 *
 * @example
 * interface Tick { symbol: string; price: number }
 * const isTick = (v: unknown): v is Tick => typeof (v as Tick)?.price === 'number';
 * socket.packets$.pipe(
 *   json({ validate: isTick, onError: (e) => console.warn(e.reason, e.packet.text) }),
 * ).subscribe((tick) => console.log(tick.symbol, tick.price));
 */
export function json<T = unknown>(config: JsonConfig<T> = {}): OperatorFunction<Packet, T> {
  checkConfig('json', config, ['acceptBinary', 'reviver', 'validate', ...DECODE_CONFIG_KEYS]);
  const { acceptBinary = false, reviver, validate } = config;
  checkBoolean('json', 'acceptBinary', acceptBinary);
  checkFunction('json', 'reviver', reviver, false);
  checkFunction('json', 'validate', validate, false);
  return decoder<T>('json', config, (packet) => {
    const text = packetText(packet, acceptBinary);
    if ('error' in text) return text;
    let value: unknown;
    try {
      value = JSON.parse(text.value, reviver);
    } catch (cause) {
      return { error: new DecodeError('invalid-json', packet, { cause }) };
    }
    if (validate !== undefined && !validate(value)) return { error: new DecodeError('invalid-value', packet) };
    return { value: value as T };
  });
}
