// rxpeer/rxjs-compat's WebSocketSubject, case by case against a mock WebSocketCtor, and
// typed as RxJS 7 types its own.
import { Observable, Subject } from 'rxjs';
import type { WebSocketSubjectConfig as RxjsConfig } from 'rxjs/webSocket';
import { webSocket, WebSocketSubject, type WebSocketMessage, type WebSocketSubjectConfig } from 'rxpeer/rxjs-compat';
import { describeWebSocketSubject } from './support/behaviour-cases.js';
import { MockCtor } from './support/mock-web-socket.js';

describeWebSocketSubject('rxpeer', webSocket);

describe('types', () => {
  interface Message {
    say: string;
  }

  it('fit where RxJS 7 puts its own: Subject<T>, Observable<T>, its config type both ways', () => {
    const fromRxjsConfig: RxjsConfig<Message> = { url: 'ws://mock.invalid/', WebSocketCtor: MockCtor, binaryType: 'arraybuffer' };
    const config: WebSocketSubjectConfig<Message> = fromRxjsConfig;
    const backAgain: RxjsConfig<Message> = config;
    const subject: WebSocketSubject<Message> = webSocket<Message>(config);
    const asSubject: Subject<Message> = subject;
    const asObservable: Observable<Message> = subject.asObservable();
    const multiplexed: Observable<Message> = subject.multiplex(
      () => ({ sub: 1 }),
      () => ({ unsub: 1 }),
      (message) => message.say.length > 0,
    );
    const serialized: WebSocketMessage = new Uint8Array(1);
    // @ts-expect-error next() takes the subject's T
    subject.next(42);
    // @ts-expect-error binaryType is 'blob' or 'arraybuffer' (and at run time a TypeError says so)
    expect(() => webSocket<Message>({ url: 'ws://mock.invalid/', binaryType: 'nodebuffer' })).toThrow(TypeError);
    expect([asSubject, backAgain, asObservable, multiplexed, serialized].every((x) => x !== undefined)).toBe(true);
    expect(asSubject).toBeInstanceOf(Subject);
    expect(multiplexed).toBeInstanceOf(Observable);
  });
});
