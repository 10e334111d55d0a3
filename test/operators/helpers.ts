// Shared by the operator tests: a TestScheduler that compares with Jest, state letters, packets.
import { EMPTY, from, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ErrorCode, State, WebSocketCloseError, type CloseInfo, type ObservablePeer, type Packet, type WebSocketPeer } from 'rxpeer';

/** State letters for marble diagrams: c CONNECTING, o OPEN, l CLOSING, C CLOSED. */
export const S = { c: State.CONNECTING, o: State.OPEN, l: State.CLOSING, C: State.CLOSED };

export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const encoder = new TextEncoder();

export const textPacket = (text: string): Packet => ({ data: encoder.encode(text), isString: true, text });
export const binaryPacket = (...bytes: number[]): Packet => ({ data: new Uint8Array(bytes), isString: false });

/** A packet as a short string: `text:…` or `bytes:1,2,3`. */
export const describePacket = (p: Packet): string => (p.isString ? `text:${p.text}` : `bytes:${[...p.data].join(',')}`);

/**
 * A stand-in ObservablePeer for timing tests on cold marbles: it passes through `states`
 * synchronously and, if the stream completes, reports `close` as how it ended.
 */
export function fakePeer(
  states: State[] = [State.CONNECTING, State.OPEN],
  close: CloseInfo = { code: 1000, reason: '', wasClean: true },
): ObservablePeer {
  const peer = {
    getReadyState: () => states[states.length - 1],
    getCloseCode: () => close.code,
    getCloseReason: () => close.reason,
    getCloseCause: () => close.cause ?? '',
  } as unknown as WebSocketPeer;
  return {
    peer,
    state$: from(states),
    packets$: EMPTY,
    close$: of(close),
    send: () => ErrorCode.OK,
    close: () => ErrorCode.OK,
  };
}

/** What connect() errors with after an unclean close. */
export const unclean = new WebSocketCloseError({ code: -1, reason: '', wasClean: false });

/** How scripted connections end without a close frame, with the causes the memory transport gives. */
export const droppedInfo: CloseInfo = { code: -1, reason: '', wasClean: false, cause: 'the remote dropped the connection without a close frame' };
export const refusedInfo: CloseInfo = { code: -1, reason: '', wasClean: false, cause: 'connection to ws://memory/ refused' };
