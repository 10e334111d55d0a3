// WebSocketCloseError and WebSocketPeerError: what connect(), listen() and the operators
// error with. Their messages carry the cause, and building one never throws on odd input.
import { ErrorCode } from '../../src/peer/constants';
import { describeClose, WebSocketCloseError, WebSocketPeerError } from '../../src/observable/errors';

describe('WebSocketCloseError', () => {
  it('carries the CloseInfo, and its message names the cause of an unclean close', () => {
    const error = new WebSocketCloseError({ code: -1, reason: '', wasClean: false, cause: 'connection refused by 127.0.0.1:9' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('WebSocketCloseError');
    expect(error).toMatchObject({ code: -1, reason: '', wasClean: false, cause: 'connection refused by 127.0.0.1:9' });
    expect(error.message).toBe('WebSocket closed without a close frame: connection refused by 127.0.0.1:9 (code -1)');
  });

  it('has no cause on a close that had none', () => {
    const error = new WebSocketCloseError({ code: 4000, reason: 'bye', wasClean: true });
    expect(error.cause).toBeUndefined();
    expect(Object.hasOwn(error, 'cause')).toBe(false); // absent, not an own property set to undefined
    expect(error.message).toBe('WebSocket closed with code 4000: bye');
  });

  it('refuses a missing CloseInfo with a TypeError', () => {
    expect(() => new WebSocketCloseError(undefined as never)).toThrow(new TypeError('WebSocketCloseError: info must be a CloseInfo, got undefined'));
    expect(() => new WebSocketCloseError('x' as never)).toThrow(TypeError);
  });
});

describe('describeClose', () => {
  it('one line for each kind of end', () => {
    expect(describeClose({ code: 1000, reason: '', wasClean: true })).toBe('WebSocket closed with code 1000');
    expect(describeClose({ code: 1001, reason: 'going away', wasClean: true })).toBe('WebSocket closed with code 1001: going away');
    expect(describeClose({ code: -1, reason: '', wasClean: false })).toBe('WebSocket closed without a close frame: no cause known (code -1)');
  });

  it('never throws on values of the wrong type', () => {
    expect(describeClose({ code: Symbol('c') as never, reason: Object.create(null) as never, wasClean: true })).toBe(
      'WebSocket closed with code Symbol(c): an object with a null prototype',
    );
  });
});

describe('WebSocketPeerError', () => {
  it('names the ErrorCode the peer returned', () => {
    const error = new WebSocketPeerError(ErrorCode.ERR_ALREADY_IN_USE, 'listen(8080) refused');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('WebSocketPeerError');
    expect(error.errorCode).toBe(ErrorCode.ERR_ALREADY_IN_USE);
    expect(error.message).toBe('listen(8080) refused: ERR_ALREADY_IN_USE');
  });

  it('shows a number it does not know, and describes a value that is not a number', () => {
    expect(new WebSocketPeerError(9999 as ErrorCode, 'x').message).toBe('x: 9999');
    expect(new WebSocketPeerError('OK' as never, 'x').message).toBe('x: "OK"');
  });
});
