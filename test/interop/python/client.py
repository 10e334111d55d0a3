#!/usr/bin/python3
"""A Python websockets 10.4 client for the interop tests (asyncio, the legacy API of 10.x).

    /usr/bin/python3 client.py --url ws://127.0.0.1:PORT/ [--protocols a,b]
                               [--compression deflate|none] [--max-size BYTES]
                               [--hello TEXT] [--timeout SECONDS]

Connects, sends --hello as a text message (default "Test packet"; "" sends nothing), then
echoes every message as the same kind of frame, except text commands:
    !send text|binary SIZE   send SIZE bytes of the shared test pattern
    !close CODE REASON...    close the connection with CODE and REASON
One ``EVENT {...}`` line per event; exits once the connection is closed, after --timeout
seconds, or when its standard input is closed.
"""
import argparse
import asyncio

import websockets
from websockets.legacy.client import WebSocketClientProtocol

from common import WireCounter, closed_fields, describe, emit, exit_when_stdin_closes, pattern, send, version

HEADERS = ("sec-websocket-protocol", "sec-websocket-extensions")


class Protocol(WireCounter, WebSocketClientProtocol):
    pass



async def run(args):
    protocols = [p for p in args.protocols.split(",") if p] or None
    try:
        ws = await websockets.connect(
            args.url,
            subprotocols=protocols,
            compression=None if args.compression == "none" else "deflate",
            max_size=args.max_size,
            create_protocol=Protocol,
            open_timeout=5,
            close_timeout=2,
        )
    except websockets.InvalidStatusCode as error:
        emit("error", kind="InvalidStatusCode", status=error.status_code, message=str(error))
        return
    except Exception as error:  # refused, reset, bad handshake: say what it was
        emit("error", kind=type(error).__name__, message=str(error))
        return
    headers = {name: ws.response_headers.get(name) for name in HEADERS}
    emit("open", protocol=ws.subprotocol, extensions=[e.name for e in ws.extensions], response_headers=headers)
    try:
        if args.hello:
            await send(ws, args.hello)
        async for message in ws:
            fields = describe(message)
            emit("data", wire_in=ws.wire_in, **fields)
            if isinstance(message, str) and message.startswith("!"):
                words = message.split(" ", 2)
                if words[0] == "!send":
                    await send(ws, pattern(int(words[2]), words[1] == "text"))
                elif words[0] == "!close":
                    reason = words[2] if len(words) > 2 else ""
                    emit("closing", code=int(words[1]), reason=reason)
                    await ws.close(int(words[1]), reason)
                else:
                    emit("unknown_command", text=message)
            else:
                await send(ws, message)
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    emit("closed", **closed_fields(ws))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--protocols", default="")
    parser.add_argument("--compression", default="deflate", choices=["deflate", "none"])
    parser.add_argument("--max-size", type=int, default=2 ** 20)
    parser.add_argument("--hello", default="Test packet")
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    emit("start", version=version(), url=args.url, protocols=args.protocols, compression=args.compression)
    exit_when_stdin_closes()
    try:
        await asyncio.wait_for(run(args), args.timeout)
    except asyncio.TimeoutError:
        emit("timeout", seconds=args.timeout)


if __name__ == "__main__":
    asyncio.run(main())
