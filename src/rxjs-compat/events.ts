// The events rxpeer's own socket dispatches, shaped as a browser's WebSocket dispatches
// them: real Event / MessageEvent / CloseEvent objects where the platform has the class
// (browsers; Node 20 has Event and MessageEvent but no CloseEvent), a subclass of Event
// with the same fields where it has not.

interface CloseFields {
  code: number;
  reason: string;
  wasClean: boolean;
}

let CloseEventClass: (new (type: string, init: CloseFields) => CloseEvent) | undefined;
let ErrorEventClass: (new (type: string, init: { message: string }) => Event) | undefined;

export function createOpenEvent(): Event {
  return new Event('open');
}

export function createMessageEvent(data: string | ArrayBuffer | Blob): MessageEvent {
  return new MessageEvent('message', { data });
}

export function createCloseEvent(fields: CloseFields): CloseEvent {
  CloseEventClass ??= typeof CloseEvent === 'function' ? CloseEvent : closeEventShim();
  return new CloseEventClass('close', fields);
}

/** A browser's error event says nothing; this one also says why in `message` where it can. */
export function createErrorEvent(message: string): Event {
  ErrorEventClass ??= typeof ErrorEvent === 'function' ? ErrorEvent : errorEventShim();
  return new ErrorEventClass('error', { message });
}

function closeEventShim(): new (type: string, init: CloseFields) => CloseEvent {
  class CloseEventShim extends Event {
    readonly code: number;
    readonly reason: string;
    readonly wasClean: boolean;
    constructor(type: string, init: CloseFields) {
      super(type);
      this.code = init.code;
      this.reason = init.reason;
      this.wasClean = init.wasClean;
    }
  }
  Object.defineProperty(CloseEventShim, 'name', { value: 'CloseEvent' });
  return CloseEventShim as unknown as new (type: string, init: CloseFields) => CloseEvent;
}

function errorEventShim(): new (type: string, init: { message: string }) => Event {
  class ErrorEventShim extends Event {
    readonly message: string;
    constructor(type: string, init: { message: string }) {
      super(type);
      this.message = init.message;
    }
  }
  Object.defineProperty(ErrorEventShim, 'name', { value: 'ErrorEvent' });
  return ErrorEventShim;
}
