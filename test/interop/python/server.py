#!/usr/bin/python3
"""A Python websockets 10.4 server for the interop tests (asyncio, the legacy API of 10.x).

    /usr/bin/python3 server.py [--port 0] [--protocols a,b] [--compression deflate|none]
                               [--max-size BYTES] [--timeout SECONDS]

Prints ``EVENT {"event": "listening", "port": N}`` once bound, then one line per connection,
message and close. Every message is echoed as the same kind of frame, except text commands:
    !send text|binary SIZE   send SIZE bytes of the shared test pattern
    !close CODE REASON...    close the connection with CODE and REASON
Exits after --timeout seconds, or when its standard input is closed.
"""
import argparse
import asyncio
import itertools

import websockets
from websockets.legacy.server import WebSocketServerProtocol

from common import WireCounter, closed_fields, describe, emit, exit_when_stdin_closes, pattern, send, version

HEADERS = ("origin", "sec-websocket-protocol", "sec-websocket-extensions", "user-agent")


class Protocol(WireCounter, WebSocketServerProtocol):
    pass


ids = itertools.count(1)


async def command(ws, cid, text):
    words = text.split(" ", 2)
    if words[0] == "!send":
        message = pattern(int(words[2]), words[1] == "text")
        await send(ws, message, id=cid)
    elif words[0] == "!close":
        reason = words[2] if len(words) > 2 else ""
        emit("closing", id=cid, code=int(words[1]), reason=reason)
        await ws.close(int(words[1]), reason)
    else:
        emit("unknown_command", id=cid, text=text)



async def handler(ws):
    cid = next(ids)
    headers = {name: ws.request_headers.get(name) for name in HEADERS}
    emit("connected", id=cid, path=ws.path, protocol=ws.subprotocol,
         extensions=[e.name for e in ws.extensions], request_headers=headers)
    try:
        async for message in ws:
            before = ws.wire_in
            fields = describe(message)
            emit("data", id=cid, wire_in=ws.wire_in, **fields)
            if isinstance(message, str) and message.startswith("!"):
                await command(ws, cid, message)
            else:
                await send(ws, message, id=cid)
    except websockets.ConnectionClosed:
        pass
    emit("disconnected", id=cid, **closed_fields(ws))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--protocols", default="")
    parser.add_argument("--compression", default="deflate", choices=["deflate", "none"])
    parser.add_argument("--max-size", type=int, default=2 ** 20)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    protocols = [p for p in args.protocols.split(",") if p] or None
    exit_when_stdin_closes()
    emit("start", version=version(), protocols=protocols, compression=args.compression, max_size=args.max_size)
    server = await websockets.serve(
        handler, "127.0.0.1", args.port,
        subprotocols=protocols,
        compression=None if args.compression == "none" else "deflate",
        max_size=args.max_size,
        create_protocol=Protocol,
        close_timeout=2,
    )
    emit("listening", port=server.sockets[0].getsockname()[1])
    await asyncio.sleep(args.timeout)
    emit("timeout", seconds=args.timeout)
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
