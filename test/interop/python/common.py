"""Shared by client.py and server.py: JSON event lines, the test pattern, wire byte counting.

Each event is one line on stdout: ``EVENT {"event": NAME, ...}``. Messages are described by
kind, size and SHA-256 (plus base64 when at most 256 bytes), as the Godot scripts do.
"""
import base64
import hashlib
import json
import os
import threading
import time

from websockets.exceptions import ConnectionClosed

START = time.monotonic()


def emit(event, **fields):
    fields["event"] = event
    fields["t"] = round((time.monotonic() - START) * 1000)
    print("EVENT " + json.dumps(fields), flush=True)


def describe(message):
    is_string = isinstance(message, str)
    data = message.encode("utf-8") if is_string else bytes(message)
    fields = {"string": is_string, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if len(data) <= 256:
        fields["base64"] = base64.b64encode(data).decode("ascii")
    return fields


async def send(ws, message, **ids):
    """Sends, then reports the bytes it put on the wire (also when the connection closed meanwhile)."""
    before = ws.wire_out
    closed = None
    try:
        await ws.send(message)
    except ConnectionClosed as error:
        closed = type(error).__name__
        raise
    finally:
        fields = describe(message)
        emit("sent", **ids, string=fields["string"], size=fields["size"], wire=ws.wire_out - before, closed=closed)


def pattern(size, is_string):
    """Text: "a".."z" repeated; binary: (i * 31 + 7) % 256 (as test/interop/harness.ts)."""
    if is_string:
        return "".join(chr(97 + i % 26) for i in range(size))
    return bytes((i * 31 + 7) % 256 for i in range(size))


def close_frame(frame):
    return None if frame is None else {"code": frame.code, "reason": frame.reason}


def closed_fields(ws):
    """What the websockets protocol object knows about the closing handshake."""
    return {
        "code": ws.close_code,
        "reason": ws.close_reason,
        "rcvd": close_frame(ws.close_rcvd),
        "sent": close_frame(ws.close_sent),
        "rcvd_then_sent": ws.close_rcvd_then_sent,
    }


class WireCounter:
    """Mixed into a websockets protocol class: counts raw bytes read and written on the socket."""

    wire_in = 0
    wire_out = 0

    def connection_made(self, transport):
        write = transport.write

        def counted(data):
            self.wire_out += len(data)
            write(data)

        transport.write = counted
        super().connection_made(transport)

    def data_received(self, data):
        self.wire_in += len(data)
        super().data_received(data)


def exit_when_stdin_closes():
    """The test harness holds our stdin: when it goes away (EOF), exit at once."""

    def watch():
        try:
            while os.read(0, 4096):  # the raw fd: a buffered stdin would hold a lock at exit
                pass
        except OSError:
            pass
        emit("stopping", why="stdin closed")
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def version():
    import websockets

    return websockets.__version__
