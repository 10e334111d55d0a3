import { Observable, type OperatorFunction } from 'rxjs';
import type { Packet } from '../peer/packet.js';
import { checkBoolean, checkFunction } from './validate.js';
import { describeText } from '../peer/describe-value.js';

/** Why a packet could not be decoded. */
export type DecodeFailure = 'unexpected-binary' | 'unexpected-text' | 'invalid-utf8' | 'invalid-json' | 'invalid-value';

/** A packet a decoder (`text()`, `binary()`, `json()`) could not turn into a value. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(
    readonly reason: DecodeFailure,
    /** The packet that failed, untouched. */
    readonly packet: Packet,
    options?: { cause?: unknown },
  ) {
    super(`cannot decode packet: ${describeText(reason)}${options?.cause instanceof Error ? ` (${options.cause.message})` : ''}`, options);
  }
}

/** What every decoder accepts. */
export interface DecodeConfig {
  /**
   * Hears each packet that failed; it is skipped and the stream goes on. Without it a
   * failure is never silent: it is reported with `console.warn` (and still skipped).
   */
  onError?: (error: DecodeError) => void;
  /** True: a decode error ends the stream with the DecodeError instead (default false). */
  failOnError?: boolean;
}

export const DECODE_CONFIG_KEYS = ['onError', 'failOnError'] as const;

/** Outcome of decoding one packet: the value, or why not. */
export type Decoded<T> = { value: T } | { error: DecodeError };

/** Builds a decoder operator from a per-packet function (shared by text, binary and json). */
export function decoder<T>(
  caller: string,
  config: DecodeConfig,
  decode: (packet: Packet) => Decoded<T>,
): OperatorFunction<Packet, T> {
  const { onError = warnUndecodable(caller), failOnError = false } = config;
  checkFunction(caller, 'onError', onError, false);
  checkBoolean(caller, 'failOnError', failOnError);
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (packet) => {
          // A throwing user callback (validate, reviver, onError) ends the stream, as in map().
          try {
            const result = decode(packet);
            if ('value' in result) subscriber.next(result.value);
            else if (failOnError) subscriber.error(result.error);
            else onError(result.error);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}

/** The default onError: a skipped packet is reported, never dropped in silence. */
function warnUndecodable(caller: string): (error: DecodeError) => void {
  return (error) =>
    console.warn(`rxpeer ${caller}(): skipped a packet: ${error.message} (pass onError to handle it, or failOnError: true to end the stream)`);
}
