"""A TCP server that speaks just enough of PostgreSQL's protocol to refuse a password.

The test server trusts every local connection, so it cannot refuse a password; this one asks for
the password in clear text (AuthenticationCleartextPassword) and answers any with the error
PostgreSQL gives, sqlstate 28P01. What the bot sees through asyncpg is the real thing.
"""

from __future__ import annotations

import asyncio
import struct
from types import TracebackType
from typing import Self

SSL_REQUEST, GSS_REQUEST = 80877103, 80877104


def _error(code: str, message: str) -> bytes:
    fields = b"".join(tag + value.encode() + b"\0" for tag, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message)))
    body = fields + b"\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


class RefusingPostgres:
    """`async with RefusingPostgres() as server:` then connect to 127.0.0.1:server.port."""

    def __init__(self) -> None:
        self.port = 0
        self.refused = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # SSL and GSS encryption requests are declined with "N"; then the startup
                length, code = struct.unpack("!ii", await reader.readexactly(8))
                if code in (SSL_REQUEST, GSS_REQUEST):
                    writer.write(b"N")
                    continue
                await reader.readexactly(length - 8)
                break
            writer.write(b"R" + struct.pack("!ii", 8, 3))  # send me the password in clear text
            await writer.drain()
            kind = await reader.readexactly(1)
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            await reader.readexactly(length - 4)
            if kind == b"p":
                self.refused += 1
                writer.write(_error("28P01", 'password authentication failed for user "volunteer"'))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
