"""Bounds on what one request to `cleaner serve` may cost: time, value size, response size.

Datasette's `sql_time_limit_ms` is a progress handler that SQLite calls every 1,000 virtual
machine steps, so a single step that runs long is never stopped: `printf('%.*c', 900000000,
'x')` ran 15.8 s here and `randomblob(900000000)` took 1.8 GB. Datasette has no setting for
this, and SQLite offers the tools only per connection, so they are applied here:

- `SQLITE_LIMIT_LENGTH` caps every string or BLOB SQLite builds (above the largest stored raw
  document, so every stored value stays readable): `randomblob(900000000)` fails at once and no
  single step can work on more than that many bytes;
- an authorizer refuses the functions that do unbounded work in one step or exist only to make
  large values (`printf`/`format` pad before checking the length limit; `randomblob`,
  `zeroblob`); nothing the archive's pages or canned queries need;
- a watchdog interrupts the connection when Datasette's own time limit is reached, so the cap
  holds even between the progress handler's checks (1,000 steps, each up to one value's work);
- the response body is capped (`capped_send`): what one request may send is bounded even when
  each value is within the limit;
- Datasette prints every error, even a 400 or 404, as a rich traceback with all local
  variables when `rich` is installed (it is, for cleaner's progress bars): ~5 s of CPU on the
  event loop per error here, so one bad query stalled every other request. `quiet_errors`
  turns that off; real failures (HTTP 500) still print a plain traceback.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

DENIED_FUNCTIONS = frozenset({"printf", "format", "randomblob", "zeroblob"})
MIN_VALUE_BYTES = 24 * 1024 * 1024  # above cleaner's 20 MiB default input limit

Send = Callable[[dict[str, Any]], Awaitable[None]]


def guard_connection(conn: sqlite3.Connection, conf: dict[str, Any]) -> None:
    """Cap value sizes and refuse the unbounded functions on one of Datasette's connections."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, int(conf.get("max_value_bytes", MIN_VALUE_BYTES)))
    conn.set_authorizer(_authorizer)


def _authorizer(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def install_watchdog() -> None:
    """Make Datasette's time limit also interrupt the connection from a timer thread.

    Datasette runs every query inside `datasette.database.sqlite_timelimit(conn, ms)`; the
    wrapper keeps Datasette's progress handler and adds `conn.interrupt()` at the deadline
    (thread-safe in SQLite; it stops the statement at the next step, even one the progress
    handler would only see 1,000 steps later). Cancelled as soon as the query returns.
    """
    import datasette.database as database

    original = database.sqlite_timelimit
    if getattr(original, "cleaner_watchdog", False):
        return

    @contextlib.contextmanager
    def timelimit(conn: sqlite3.Connection, ms: int) -> Iterator[None]:
        timer = threading.Timer(ms / 1000, conn.interrupt)
        timer.daemon = True
        with original(conn, ms):
            timer.start()
            try:
                yield
            finally:
                timer.cancel()

    timelimit.cleaner_watchdog = True  # type: ignore[attr-defined]
    database.sqlite_timelimit = timelimit


def quiet_errors() -> None:
    """No rich traceback printed (with locals, on the event loop) for every HTTP error."""
    import datasette.handle_exception as handle_exception

    handle_exception.rich = None


def capped_send(send: Send, cap: int) -> Send:
    """An ASGI `send` that lets at most `cap` body bytes through.

    The response's start is held until its first body part: a response whose first part is
    already over the cap (Datasette renders a page whole) becomes a one-line HTTP 500; a
    streamed one (CSV `_stream=1`) is cut at the cap and ended.
    """
    state: dict[str, Any] = {"start": None, "sent": 0, "done": False}

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            state["start"] = message
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        if state["done"]:
            return
        body = message.get("body", b"")
        start = state["start"]
        if start is not None:
            state["start"] = None
            if len(body) > cap:
                state["done"] = True
                await _refuse(send, cap)
                return
            await send(start)
        if state["sent"] + len(body) > cap:
            state["done"] = True
            body = body[: cap - state["sent"]]
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        state["sent"] += len(body)
        await send(message)

    return wrapped


async def _refuse(send: Send, cap: int) -> None:
    text = f"cleaner serve: response refused, larger than {cap:,} bytes\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(text)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text, "more_body": False})
