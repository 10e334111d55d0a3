// The events rxpeer's own socket dispatches to webSocket(): shaped as a browser dispatches
// them, real Events where the platform has the class (Node 20 has no CloseEvent, and no
// ErrorEvent before 22, so the shims are what runs here), with a browser's fields.
import { createCloseEvent, createErrorEvent, createMessageEvent, createOpenEvent } from '../../src/rxjs-compat/events';

describe('socket events', () => {
  it('open and message: real Events with the type and data a browser gives', () => {
    const open = createOpenEvent();
    expect(open).toBeInstanceOf(Event);
    expect(open.type).toBe('open');
    const text = createMessageEvent('hello');
    expect(text).toBeInstanceOf(MessageEvent);
    expect([text.type, text.data]).toEqual(['message', 'hello']);
    const buffer = new ArrayBuffer(2);
    expect(createMessageEvent(buffer).data).toBe(buffer);
  });

  it('close: an Event named CloseEvent with code, reason and wasClean, dispatchable like a browser one', () => {
    const close = createCloseEvent({ code: 4000, reason: 'bye', wasClean: true });
    expect(close).toBeInstanceOf(Event);
    expect(close.constructor.name).toBe('CloseEvent');
    expect([close.type, close.code, close.reason, close.wasClean]).toEqual(['close', 4000, 'bye', true]);
    expect(createCloseEvent({ code: 1006, reason: '', wasClean: false }).constructor).toBe(close.constructor); // one class, made once
    const target = new EventTarget();
    const heard: number[] = [];
    target.addEventListener('close', (event) => heard.push((event as CloseEvent).code));
    target.dispatchEvent(close);
    expect(heard).toEqual([4000]);
  });

  it('error: an Event named ErrorEvent that also says why in message', () => {
    const error = createErrorEvent('connection refused by 127.0.0.1:9');
    expect(error).toBeInstanceOf(Event);
    expect(error.constructor.name).toBe('ErrorEvent');
    expect(error.type).toBe('error');
    expect((error as Event & { message: string }).message).toBe('connection refused by 127.0.0.1:9');
  });
});
