"""`cleaner serve` for real: Datasette over HTTP on a free loopback port, and in Chromium."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.serve import PLACEHOLDER, metadata_for, search_url, shipped_metadata
from tests.archive.conftest import cleaner_process, invoke, query

CHROMIUM = "/usr/bin/chromium"
SCRIPT_DOC = (
    "Harbour workers strike in Rotterdam\n\n"
    "Workers at the port of Rotterdam walked out on Monday. A union leader wrote "
    "<script>window.__pwned=1</script> on the board as a joke about hackers, and nobody "
    "laughed at the protest.\n\nThe strike is expected to last three days, according to the "
    "union, which represents ten thousand dockers across the country.\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def get_json(url: str) -> dict[str, object]:
    status, body = get(url)
    assert status == 200, body[:300]
    data: dict[str, object] = json.loads(body)
    return data


@pytest.fixture
def served_db(seed_db: Path, tmp_path: Path) -> Path:
    """The seeds plus an article whose text holds a <script> tag."""
    doc = tmp_path / "script.txt"
    doc.write_text(SCRIPT_DOC)
    assert invoke("archive", str(seed_db), "--input", "text", str(doc)).exit_code == 0
    return seed_db


@contextlib.contextmanager
def serving(
    db: Path, log_path: Path, env: dict[str, str] | None = None, *options: str
) -> Iterator[str]:
    """`cleaner serve DB` in a subprocess; yields its base URL; stopped with SIGTERM after."""
    port = free_port()
    log = open(log_path, "wb")  # noqa: SIM115 - closed in finally
    proc = cleaner_process(
        "serve", str(db), "--port", str(port), *options, stdout=log, stderr=log, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited: {log_path.read_text()}")
            try:
                if get(f"{base}/-/versions.json")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("Datasette did not start within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture
def server(served_db: Path, tmp_path: Path) -> Iterator[str]:
    with serving(served_db, tmp_path / "serve.log") as base:
        yield base


@pytest.mark.slow
def test_stopped_server_leaves_no_temporary_files(seed_db: Path, tmp_path: Path) -> None:
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    with serving(seed_db, tmp_path / "serve.log", env={"TMPDIR": str(tmp)}) as base:
        assert get(f"{base}/db/articles.json")[0] == 200
        assert list(tmp.iterdir()), "the metadata file lives in TMPDIR while serving"
    assert list(tmp.iterdir()) == []


@pytest.mark.slow
def test_datasette_serves_search_and_facets(server: str) -> None:
    data = get_json(f"{server}/db/articles.json?_search=Pashinyan&_shape=objects")
    assert len(data["rows"]) == 2  # type: ignore[arg-type]
    assert get_json(f"{server}/db/articles.json?_search=Kwork")["rows"] == []
    assert len(get_json(f"{server}/db/articles.json?_search=Kazakhstan")["rows"]) == 5  # type: ignore[arg-type]
    facets = get_json(f"{server}/db/articles.json?_search=Kazakhstan")["facet_results"]
    names = set(facets.get("results", facets))  # type: ignore[operator]
    assert {"language", "publisher", "category", "published"} <= names
    ranked = get_json(f"{server}/db/search.json?q=Pashinyan&_shape=array")
    assert len(ranked) == 2  # type: ignore[arg-type]
    assert get(f"{server}/db/search.json?q=C%2B%2B%20%22&_shape=array")[0] == 200
    assert get(f"{server}/db/removals_by_rule.json")[0] == 200
    databases = get_json(f"{server}/-/databases.json?_shape=array")
    assert databases[0]["is_mutable"] is False  # type: ignore[index]
    settings = get_json(f"{server}/-/settings.json")
    assert settings["suggest_facets"] is False
    # The page `cleaner serve` points at, and the database page, search through the ranked query.
    for page in ("/db", "/db/articles"):
        status, body = get(f"{server}{page}")
        assert status == 200 and b'action="/db/search"' in body, page
    status, body = get(f"{server}/db/search?q=Pashinyan")
    assert status == 200 and b"Pashinyan" in body


@pytest.mark.slow
def test_script_in_an_article_is_escaped_in_html(server: str, served_db: Path) -> None:
    (article_id,) = query(served_db, "select id from articles where text like '%<script>%'")[0]
    status, body = get(f"{server}/db/articles/{article_id}")
    assert status == 200
    assert b"<script>window.__pwned" not in body
    assert b"&lt;script&gt;window.__pwned=1&lt;/script&gt;" in body


def test_ranked_search_form_points_at_the_served_database() -> None:
    meta = metadata_for(Path("/data/my news.db"))
    html = meta["databases"]["my news"]["description_html"]
    assert 'action="/my+news/search"' in html and PLACEHOLDER not in json.dumps(meta)
    assert search_url(Path("news.db"), "127.0.0.1", 8001) == "http://127.0.0.1:8001/news/search"


def test_serve_binds_loopback_by_default() -> None:
    from cleaner.cli.archive_cmds import serve

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_shipped_metadata_names_only_what_exists(seed_db: Path) -> None:
    meta = shipped_metadata()["databases"][PLACEHOLDER]
    tables = {row[0] for row in query(seed_db, "select name from sqlite_master where type='table'")}
    for table, conf in meta["tables"].items():
        assert table in tables, table
        columns = {row[1] for row in query(seed_db, f"pragma table_info([{table}])")}
        for name in [*conf.get("facets", []), *conf.get("columns", {})]:
            assert name in columns, (table, name)
        for key in ("sort", "sort_desc", "label_column"):
            if key in conf:
                assert conf[key] in columns, (table, conf[key])
    for name, canned in meta["queries"].items():
        params = {"q": "Pashinyan"} if ":q" in canned["sql"] else {}
        import sqlite3

        conn = sqlite3.connect(seed_db)
        try:
            rows = conn.execute(canned["sql"], params).fetchall()
        finally:
            conn.close()
        if name == "search":
            assert len(rows) == 2


@pytest.mark.slow
def test_browser_search_box_finds_the_article(server: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (make browser-deps installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            page = browser.new_page()
            page.goto(f"{server}/db/articles", timeout=30_000)
            box = page.locator("input[name=_search]")
            box.fill("Pashinyan")
            box.press("Enter")
            page.wait_for_url("**_search=Pashinyan**", timeout=30_000)
            body = page.inner_text("body")
            assert "2 rows" in body
            assert "Russia-led bloc approves peacekeeping deployment in Kazakhstan" in body
            assert "Harbour workers strike" not in body
            page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

            page.goto(f"{server}/db/articles?_search=Rotterdam", timeout=30_000)
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert "<script>window.__pwned=1</script>" in page.inner_text("body")
            page.screenshot(path=str(tmp_path / "script.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "search.png").stat().st_size > 1000
