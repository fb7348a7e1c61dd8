"""Injected faults and latency (``core.faults``): the one place they happen to a request.

Never touches ``/__mock/``. Costs one header lookup when no fault is configured. What it did to a
request is left in the scope for the journal (``INJECTED``), so every injected fault is listed
there, marked as injected.

Resetting or closing the connection needs the socket: under uvicorn it is reached through the
server's ``receive`` (its protocol cycle's transport). Elsewhere (an in-process test client) a
reset or an empty answer is raised as ``ConnectionResetError`` and a hang as ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from http import HTTPStatus

from ..errors import ApiError, BadRequest
from ..faults import FaultSyntax, Injection
from . import ERROR_BODY, header_map, send_error, send_json

INJECTED = "mock_injected_fault"       # scope["extensions"] key: what was injected, for the journal
HANG_CAP = 600.0                       # seconds a hang lasts at most when the client never gives up
_MESSAGES = {500: "An unexpected error occurred", 503: "Service temporarily unavailable",
             429: "Too many requests"}

log = logging.getLogger("mock.faults")


class InjectFaults:
    def __init__(self, app, mock):
        self.app = app
        self.mock = mock

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        header = header_map(scope).get(b"x-mock-fault")
        if (header is None and not self.mock.faults.active) or scope["path"].startswith("/__mock/"):
            return await self.app(scope, receive, send)
        method, path = scope["method"], scope["path"]
        entry = self.mock.contract.match_path(path)
        operation = entry.operations.get(method) if entry else None
        try:
            injection = self.mock.faults.pick(method, path, operation.operation_id if operation else None,
                                              header.decode("latin-1") if header is not None else None)
        except FaultSyntax as exc:
            return await send_error(self.mock, scope, send, BadRequest(f"X-Mock-Fault: {exc}"))
        if injection is None:
            return await self.app(scope, receive, send)
        scope["extensions"][INJECTED] = {**injection.describe(), "operationId": operation and operation.operation_id}
        log.info("injected %s%s into %s %s (%s)", injection.fault.text or "latency",
                 f" after {injection.delay * 1000:.0f} ms" if injection.delay else "", method, path, injection.by)
        await self._inject(injection, operation, scope, receive, send)

    async def _inject(self, injection: Injection, operation, scope, receive, send):
        if injection.delay:
            await asyncio.sleep(injection.delay)
        fault = injection.fault
        if fault.kind is None:
            await self.app(scope, receive, send)
        elif fault.kind == "status":
            await self._status(fault, operation, scope, send)
        elif fault.kind in ("reset", "empty"):
            await _drop(receive, reset=fault.kind == "reset")
        elif fault.kind == "hang":
            await _hang(receive)
        elif fault.kind == "malformed":
            await self.app(scope, receive, _cut_short(send))
        else:
            await self.app(scope, receive, _dribbled(send, fault.chunk, fault.every))

    async def _status(self, fault, operation, scope, send):
        """The documented response for that status (its example), else the profile's envelope."""
        status = fault.status
        headers = {}
        if status in (429, 503) or fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else 1)
        found = self.mock.contract.example(operation, str(status)) if operation is not None else None
        if found:
            scope["extensions"][ERROR_BODY] = found[1]
            return await send_json(send, status, found[1], headers)
        error = ApiError(_MESSAGES.get(status, HTTPStatus(status).phrase), headers=headers)
        error.status = status
        await send_error(self.mock, scope, send, error)


def _transport(receive):
    """The connection's transport, when the server is uvicorn (its cycle's bound ``receive``)."""
    return getattr(getattr(receive, "__self__", None), "transport", None)


async def _drain(receive) -> bool:
    """Read the request body to its end; False when the client went away first."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        if not message.get("more_body"):
            return True


async def _until_gone(receive, timeout: float) -> None:
    try:
        await asyncio.wait_for(_wait_disconnect(receive), timeout)
    except TimeoutError:
        pass


async def _wait_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _drop(receive, reset: bool) -> None:
    """Reset (RST) or close (FIN, nothing sent) the connection without an answer."""
    transport = _transport(receive)
    if transport is None:
        raise ConnectionResetError("injected fault: connection " + ("reset" if reset else "closed"))
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        await _drain(receive)      # unread request bytes would turn the close into a reset
        transport.close()
    await _until_gone(receive, 5.0)


async def _hang(receive) -> None:
    """Answer nothing until the client disconnects (at most ``HANG_CAP``, then close)."""
    transport = _transport(receive)
    if transport is None:      # in process: no client timeout would ever end the wait
        raise TimeoutError("injected fault: hang (no socket: the client's timeout is simulated)")
    if await _drain(receive):
        await _until_gone(receive, HANG_CAP)
    if transport is not None and not transport.is_closing():
        transport.close()
        await _until_gone(receive, 5.0)


def _cut_short(send):
    """The response with its body cut in half (invalid JSON), Content-Length to match."""
    start, chunks = {}, []

    async def cut(message):
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            return await send(message)
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        body = body[: len(body) // 2] if len(body) > 1 else b"{"
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return cut


def _dribbled(send, chunk: int, every: float):
    """The response body ``chunk`` bytes at a time, ``every`` seconds apart."""

    async def dribble(message):
        if message["type"] != "http.response.body" or len(message.get("body", b"")) <= chunk:
            return await send(message)
        body, more = message["body"], message.get("more_body", False)
        for n, i in enumerate(range(0, len(body), chunk)):
            if n:
                await asyncio.sleep(every)
            last = i + chunk >= len(body)
            await send({"type": "http.response.body", "body": body[i:i + chunk], "more_body": more or not last})

    return dribble
