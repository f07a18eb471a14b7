"""Datasette plugin: reading pages for a cleaner archive, and the limits `cleaner serve` sets.

Registered through the package's `datasette` entry point, it does nothing until `cleaner serve`
names the archive in its metadata (`plugins.cleaner.databases`), so a user's other Datasette
instances are untouched. For a named archive it adds what Datasette lacks:

- `/DB/search` (and `.json`): the ranked search of `cleaner search`, built by the same
  `archive.search.statement`, run through Datasette's connection and time limit;
- the article page (`/DB/articles/ID`, templates/cleaner_article.html) and a lean articles table
  (templates/_table.html), chosen by the `row.html`/`_table.html` overrides when the extra
  template variables below say the page is an archive's; every other page is Datasette's own;
- the articles table's search box takes queries the way `cleaner search` does (see `_rewrite`);
- limits (see archive.web.limits): the biggest value SQLite may build, functions that run
  unbounded in one step refused, a watchdog that interrupts a statement at the time limit even
  inside one step, and a cap on the response size.
"""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cleaner.archive.rawstore import unpack
from cleaner.archive.search import build_match, hit, statement
from cleaner.archive.web import limits
from cleaner.archive.web.facets import DayFacet
from datasette import hookimpl
from datasette.utils import tilde_encode, urlsafe_components
from datasette.utils.asgi import Response
from markupsafe import Markup

PLUGIN = "cleaner"
TYPED = "cleaner.search_typed"  # scope key: the table search as the user typed it
MARKS = ("\ue000", "\ue001")  # private-use characters: never in a clean text, safe to escape
PAGE_SIZE = 20
EXCERPT_CHARS = 120
_PARAGRAPHS = re.compile(r"\n\s*\n")


def config(datasette: Any) -> dict[str, Any]:
    """What `cleaner serve` put under plugins.cleaner in the metadata ({} otherwise)."""
    found: dict[str, Any] = datasette.plugin_config(PLUGIN) or {}
    return found


def is_archive(datasette: Any, database: str | None) -> bool:
    return database is not None and database in config(datasette).get("databases", [])


@hookimpl
def startup(datasette: Any) -> None:
    if config(datasette).get("limits"):
        limits.install_watchdog()
        limits.quiet_errors()


@hookimpl
def register_facet_classes() -> list[type]:
    return [DayFacet]


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    conf = config(datasette)
    if database in conf.get("databases", []) and conf.get("limits"):
        limits.guard_connection(conn, conf["limits"])


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Any], Any]:
    def wrap(app: Any) -> Any:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            conf = config(datasette)
            if scope.get("type") == "http":
                scope = _rewrite(scope, conf.get("databases", []))
                if TYPED in scope:
                    send = _typed_in_redirects(send, scope[TYPED])
                cap = conf.get("limits", {}).get("max_response_bytes")
                if cap:
                    send = limits.capped_send(send, int(cap))
            await app(scope, receive, send)

        return wrapped

    return wrap


def _rewrite(scope: dict[str, Any], databases: list[str]) -> dict[str, Any]:
    """`?_search=` on an archive's articles table, read as `cleaner search` reads it.

    Datasette's own escaping treats a query as one phrase-like string and answers HTTP 400 on a
    lone `"`; here the words go through `build_match` (words ANDed, "phrases", prefix `*`,
    ё = е) and reach FTS5 as `_searchmode=raw`. A query with nothing searchable is dropped, so
    the page lists every row instead of failing. `build_match` is idempotent, so the rewritten
    text shown back in the search box means the same when submitted again.
    """
    path = scope.get("path", "")
    if not any(
        re.fullmatch(rf"/{re.escape(tilde_encode(db))}/articles(\.\w+)?", path) for db in databases
    ):
        return scope
    args = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), True)
    if not any(k == "_search" for k, _ in args) or any(k == "_searchmode" for k, _ in args):
        return scope
    kept = [(k, v) for k, v in args if k != "_search"]
    typed = next(v for k, v in args if k == "_search")
    match = build_match(typed)
    if match is not None:
        kept += [("_search", match), ("_searchmode", "raw")]
    return {**scope, "query_string": urlencode(kept).encode(), TYPED: typed}


def _typed_in_redirects(send: limits.Send, typed: str) -> limits.Send:
    """Datasette redirects a table form's submission to a URL built from the (rewritten)
    arguments: put back what the user typed, so the address bar keeps their words."""

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and 300 <= message.get("status", 200) < 400:
            headers = []
            for name, value in message.get("headers", []):
                if name.lower() == b"location" and b"?" in value:
                    path, query = value.decode("latin-1").split("?", 1)
                    args = [
                        (k, typed if k == "_search" else v)
                        for k, v in parse_qsl(query, keep_blank_values=True)
                        if k != "_searchmode"
                    ]
                    value = f"{path}?{urlencode(args)}".encode("latin-1")
                headers.append((name, value))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Callable[..., Awaitable[Response]]]]:
    names = "|".join(re.escape(tilde_encode(db)) for db in config(datasette).get("databases", []))
    if not names:
        return []
    return [
        (rf"^/(?P<database>{names})/search(\.(?P<format>json))?$", search_page),
        (rf"^/(?P<database>{names})/-/raw/(?P<sha>[0-9a-f]{{64}})$", raw_page),
    ]


async def raw_page(datasette: Any, request: Any) -> Response:
    """The raw document as it was fetched: stored compressed (cleaner.archive.rawstore), so
    Datasette's own blob link would hand out zstd bytes. Sent as a download, never rendered:
    a scraped page's scripts must not run on this origin."""
    db = datasette.get_database(route=request.url_vars["database"])
    sha = request.url_vars["sha"]
    result = await db.execute(
        "SELECT raw, codec, content_type FROM raw_documents WHERE raw_sha256 = ?", [sha]
    )
    row = result.first()
    if row is None:
        return Response.text("no such raw document", status=404)
    body = unpack(row["raw"], row["codec"])
    extension = "html" if "html" in (row["content_type"] or "") else "txt"
    return Response(
        body,
        content_type="application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{sha[:16]}.{extension}"'},
    )


async def search_page(datasette: Any, request: Any) -> Response:
    """The ranked search: one row per story unless `all=1`, `.json` for programs."""
    route = request.url_vars["database"]
    db = datasette.get_database(route=route)
    q = request.args.get("q", "")
    language = (request.args.get("language") or "").strip().lower() or None
    all_copies = request.args.get("all") == "1"
    offset = _int(request.args.get("offset"), 0)
    found = statement(
        q,
        limit=PAGE_SIZE + 1,
        offset=offset,
        language=language,
        all_copies=all_copies,
        marks=MARKS,
    )
    error = None
    hits = []
    if found is not None:
        try:
            results = await db.execute(found.sql, found.params)
            hits = [hit(tuple(row)) for row in results.rows]
        except Exception as exc:  # Datasette's QueryInterrupted, or SQLite's own error
            error = f"The search stopped: {exc}"
    more = len(hits) > PAGE_SIZE
    hits = hits[:PAGE_SIZE]
    base = datasette.urls.database(db.name)
    next_url = None
    if more:
        args = [(k, v) for k, v in _pairs(request) if k != "offset"]
        next_url = request.path + "?" + urlencode([*args, ("offset", offset + PAGE_SIZE)])
    rows = [
        {
            **h.to_dict(),
            "snippet": h.snippet.replace(MARKS[0], "[").replace(MARKS[1], "]"),
            "article_url": f"{base}/articles/{h.id}",
        }
        for h in hits
    ]
    if request.url_vars.get("format") == "json":
        if error:
            return Response.json({"ok": False, "error": error}, status=400)
        if request.args.get("_shape") == "array":
            return Response.json(rows)
        return Response.json(
            {"ok": True, "q": q, "match": build_match(q), "rows": rows, "next_url": next_url}
        )
    for row, h in zip(rows, hits, strict=True):
        row["snippet_html"] = _highlight(h.snippet)
    return Response.html(
        await datasette.render_template(
            "cleaner_search.html",
            {
                "database": db.name,
                "q": q,
                "language": language or "",
                "all_copies": all_copies,
                "rows": rows,
                "searched": found is not None,
                "error": error,
                "offset": offset,
                "next_url": next_url,
                "json_url": f"{base}/search.json?" + urlencode(_pairs(request)),
                "table_url": datasette.urls.table(db.name, "articles"),
            },
            request=request,
        )
    )


def _pairs(request: Any) -> list[tuple[str, str]]:
    """The query string's (name, value) pairs, in order, blanks kept."""
    return parse_qsl(request.query_string, keep_blank_values=True)


def _int(value: str | None, default: int) -> int:
    try:
        return max(int(value or default), 0)
    except ValueError:
        return default


def _highlight(snippet: str) -> Markup:
    """The snippet escaped, with FTS5's marks as <mark> elements (never literal `**`)."""
    escaped = html.escape(snippet)
    return Markup(escaped.replace(MARKS[0], "<mark>").replace(MARKS[1], "</mark>"))


@hookimpl
def extra_template_vars(
    template: str, database: str, table: str, view_name: str, request: Any, datasette: Any
) -> Any:
    if table != "articles" or not is_archive(datasette, database) or request is None:
        return {}
    if view_name == "row":
        return _article_vars(datasette, database, request)
    shown = {"search": request.scope[TYPED]} if TYPED in request.scope else {}
    chosen = {"_col", "_nocol"} & {k for k, _ in _pairs(request)}
    if view_name == "table" and not chosen and request.args.get("_view") != "full":
        full = request.path + "?" + urlencode([*_pairs(request), ("_view", "full")])
        return {
            **shown,
            "cleaner_lean": {
                "full_url": full,
                "article_base": datasette.urls.table(database, "articles"),
                "excerpt_chars": EXCERPT_CHARS,
                "search_url": datasette.urls.database(database) + "/search",
            },
        }
    return shown


async def _article_vars(datasette: Any, database: str, request: Any) -> dict[str, Any]:
    """What the article page shows: the row, its paragraphs, removals by rule, its copies."""
    db = datasette.get_database(database)
    pks = urlsafe_components(request.url_vars["pks"])
    result = await db.execute("select * from articles where id = ?", [pks[0]])
    row = result.first()
    if row is None:
        return {}
    article = dict(zip(result.columns, row, strict=True))
    removals = await db.execute(
        "select rule, category, line, text from removals where article_id = ? order by line",
        [article["id"]],
    )
    by_rule: dict[str, dict[str, Any]] = {}
    for rule, category, line, text in removals.rows:
        group = by_rule.setdefault(rule, {"rule": rule, "category": category, "lines": []})
        group["lines"].append({"line": line, "text": text})
    original = None
    if article.get("duplicate_of") is not None:
        found = await db.execute(
            "select id, title from articles where id = ?", [article["duplicate_of"]]
        )
        first = found.first()
        original = {"id": first[0], "title": first[1]} if first else {"id": article["duplicate_of"]}
    copies = await db.execute(
        "select id, title, publisher from articles where duplicate_of = ? order by id limit 20",
        [article["id"]],
    )
    table_url = datasette.urls.table(database, "articles")
    url = str(article.get("url") or "")
    return {
        "cleaner_article": {
            "row": article,
            # Only web addresses become links: a scraped `javascript:` URL stays text.
            "source_url": url if re.match(r"https?://", url, re.I) else None,
            "paragraphs": [
                p.strip() for p in _PARAGRAPHS.split(article.get("text") or "") if p.strip()
            ],
            "removals": sorted(by_rule.values(), key=lambda g: (-len(g["lines"]), g["rule"])),
            "removed_lines": len(removals.rows),
            "original": original,
            "copies": [dict(zip(copies.columns, r, strict=True)) for r in copies.rows],
            "article_base": table_url,
            "raw_url": datasette.urls.row(
                database, "raw_documents", tilde_encode(str(article["raw_sha256"]))
            ),
            "download_url": datasette.urls.database(database) + f"/-/raw/{article['raw_sha256']}",
            "search_url": datasette.urls.database(database) + "/search",
            "json_url": datasette.urls.row(database, "articles", str(article["id"]), "json"),
        }
    }
