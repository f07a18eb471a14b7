"""Site templates in the archive: learned as pages are archived, applied to later pages.

The pages are tests/test_templates.py's synthetic site (a menu and a footer around short
articles), written as JSON Lines records with their URLs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cleaner.archive import Archive, ingest, sequential
from cleaner.archive import templates as arc_templates

from cleaner.inputs import RawInput
from cleaner.pipeline import CleanOptions, clean
from cleaner.templates import MIN_DOCS, RULE_ID, line_key, site_and_keys
from tests.archive.conftest import invoke, query
from tests.test_templates import ARTICLES, FOOTER, MENU, page, url


def jsonl(path: Path, pages: list[tuple[str, str]]) -> Path:
    path.write_text(
        "".join(json.dumps({"url": u, "text": t}) + "\n" for u, t in pages), encoding="utf-8"
    )
    return path


def archive(db: Path, path: Path, *extra: str) -> None:
    result = invoke("archive", str(db), str(path), *extra)
    assert result.exit_code == 0, result.output


def template_removals(db: Path, article_url: str) -> list[str]:
    return [
        str(text)
        for (text,) in query(
            db,
            "SELECT r.text FROM removals r JOIN articles a ON a.id = r.article_id "
            f"WHERE r.rule = '{RULE_ID}' AND a.url = '{article_url}' ORDER BY r.line",
        )
    ]


def article_text(db: Path, article_url: str) -> str:
    ((text,),) = query(db, f"SELECT text FROM articles WHERE url = '{article_url}'")
    return str(text)


@pytest.fixture
def site_db(tmp_path: Path) -> Path:
    """An archive that has seen three pages of the gazette, in one run."""
    db = tmp_path / "site.db"
    archive(db, jsonl(tmp_path / "first.jsonl", [(url(n), page(n)) for n in range(MIN_DOCS)]))
    return db


def test_a_later_single_page_loses_the_sites_template_lines(site_db: Path, tmp_path: Path) -> None:
    later = url(4)
    archive(site_db, jsonl(tmp_path / "one.jsonl", [(later, page(4))]))
    assert template_removals(site_db, later) == [*MENU, *FOOTER]
    text = article_text(site_db, later)
    assert ARTICLES[4][1] in text and ARTICLES[4][2] in text
    assert not any(line in text.splitlines() for line in MENU + FOOTER)
    ((site, documents, lines),) = query(
        site_db, "SELECT site, documents, template_lines FROM site_templates"
    )
    assert (site, documents, lines) == ("gazette.example", MIN_DOCS + 1, len(MENU + FOOTER))


def test_another_sites_page_is_untouched(site_db: Path, tmp_path: Path) -> None:
    other = url(4, host="other.example")
    archive(site_db, jsonl(tmp_path / "other.jsonl", [(other, page(4))]))
    assert template_removals(site_db, other) == []


def test_without_templates_the_single_page_keeps_its_menu(site_db: Path, tmp_path: Path) -> None:
    later = url(4)
    archive(site_db, jsonl(tmp_path / "one.jsonl", [(later, page(4))]), "--no-templates")
    assert template_removals(site_db, later) == []
    ((documents,),) = query(site_db, "SELECT documents FROM site_templates")
    assert documents == MIN_DOCS  # --no-templates does not count the page either


def test_two_pages_teach_nothing(tmp_path: Path) -> None:
    db = tmp_path / "two.db"
    archive(db, jsonl(tmp_path / "two.jsonl", [(url(n), page(n)) for n in range(2)]))
    archive(db, jsonl(tmp_path / "one.jsonl", [(url(4), page(4))]))
    assert template_removals(db, url(4)) == []  # the third page is counted, not yet cleaned
    assert query(db, "SELECT documents, template_lines FROM site_templates") == [(3, 8)]


def test_rearchiving_the_same_bytes_does_not_count_twice(site_db: Path, tmp_path: Path) -> None:
    again = jsonl(tmp_path / "again.jsonl", [(url(n), page(n)) for n in range(MIN_DOCS)])
    archive(site_db, again)
    # The same pages fetched again with a trailing blank line: other raw bytes (stored as
    # duplicates), the same lines, so not counted again.
    moved = [(url(n) + "?print=1", page(n) + "\n") for n in range(MIN_DOCS)]
    archive(site_db, jsonl(tmp_path / "moved.jsonl", moved))
    assert query(site_db, "SELECT count(*) FROM articles") == [(2 * MIN_DOCS,)]
    assert query(site_db, "SELECT documents FROM site_templates") == [(MIN_DOCS,)]
    assert query(site_db, "SELECT count(*) FROM site_template_documents") == [(MIN_DOCS,)]
    menu_key = line_key(MENU[1])
    assert query(site_db, f"SELECT documents FROM site_template_counts WHERE key = {menu_key}") == [
        (MIN_DOCS,)
    ]


def test_reclean_applies_a_template_to_the_pages_that_taught_it(
    site_db: Path, tmp_path: Path
) -> None:
    first = url(0)
    assert template_removals(site_db, first) == []  # archived before the template existed
    result = invoke("reclean", str(site_db))
    assert result.exit_code == 0, result.output
    assert f"{MIN_DOCS} re-cleaned" in result.output
    assert template_removals(site_db, first) == [*MENU, *FOOTER]
    again = invoke("reclean", str(site_db))  # nothing changed since: nothing to do
    assert "0 re-cleaned" in again.output
    # Pages that change the template make all the site's pages stale again.
    promo = ["Subscribe to our daily letter today"]
    menu = [*MENU, *promo]
    extra = [(url(n), page(n, menu=menu)) for n in (3, 4)] + [(url(5), page(0, menu=menu))]
    archive(site_db, jsonl(tmp_path / "more.jsonl", extra))
    assert template_removals(site_db, url(5)) == [*MENU, *FOOTER]  # the promo was not known
    assert f"{MIN_DOCS + 3} re-cleaned" in invoke("reclean", str(site_db)).output
    assert template_removals(site_db, url(5)) == [*MENU, *promo, *FOOTER]
    assert template_removals(site_db, first) == [*MENU, *FOOTER]


def test_reclean_without_templates_leaves_the_template_stale_pass_out(
    site_db: Path,
) -> None:
    result = invoke("reclean", str(site_db), "--no-templates")
    assert "0 re-cleaned" in result.output
    assert template_removals(site_db, url(0)) == []


def letters(n: int) -> str:
    """A number spelt in two letters: line keys read digits as one symbol (and equal line
    lengths on every page keep `make_units` from joining the menu's lines on some)."""
    return "".join(chr(ord("a") + int(d)) for d in f"{n:02d}")


def test_a_big_site_keeps_bounded_counts(tmp_path: Path) -> None:
    """Lossy counting: 60 pages of one site, each with 30 lines of its own, keep the template
    and forget the 1,800 article keys (each seen on one page only)."""
    items = []
    for n in range(60):
        own = [f"Line {letters(w)} of page {letters(n)} stays here." for w in range(30)]
        text = "\n".join([*MENU, "", *own, "", *FOOTER]) + "\n"
        items.append(RawInput(f"p{n}", text, f"p{n}", url=url(n), kind="text"))
    with Archive(tmp_path / "big.db") as arc:
        run_id = arc.start_run("archive", [], "test")
        ingest(arc, items, run_id=run_id, clean_batch=sequential(), batch_size=7)
        keys = arc_templates.load(arc)["gazette.example"]
        (rows,) = arc.conn.execute("SELECT count(*) FROM site_template_counts").fetchone()
        (documents,) = arc.conn.execute("SELECT documents FROM site_templates").fetchone()
    assert documents == 60
    shared = frozenset.intersection(*(site_and_keys(clean(i.data, url=i.url))[1] for i in items))
    assert len(shared) >= len(FOOTER) + 3  # menu and footer lines (the menu's head may wrap)
    assert keys == shared
    assert rows < 60, rows  # without pruning: 1,808


def test_library_ingest_applies_templates_given_to_sequential(tmp_path: Path) -> None:
    pages = [RawInput(f"p{n}", page(n), f"p{n}", url=url(n), kind="text") for n in range(4)]
    with Archive(tmp_path / "lib.db") as arc:
        run_id = arc.start_run("archive", [], "test")
        ingest(arc, pages[:3], run_id=run_id, clean_batch=sequential())
        learned = arc_templates.load(arc)
        options = CleanOptions(templates=learned)
        ingest(arc, pages[3:], run_id=run_id, clean_batch=sequential(options))
        rules = {r for (r,) in arc.conn.execute("SELECT rule FROM removals WHERE article_id = 4")}
    assert RULE_ID in rules


def test_the_tables_exist_after_a_run_and_datasette_names_them(site_db: Path) -> None:
    from cleaner.archive.serve import PLACEHOLDER, shipped_metadata

    tables = shipped_metadata()["databases"][PLACEHOLDER]["tables"]
    for name in ("site_templates", "site_template_counts", "site_template_documents"):
        assert name in tables
        assert query(site_db, f"SELECT count(*) FROM {name}")[0] != (0,)


def test_workers_count_the_same_template_lines_as_one_process(tmp_path: Path) -> None:
    """With --jobs, the workers compute each page's site and line keys (with its hashes); the
    archive's template tables and articles must be those one process writes."""
    pages = jsonl(tmp_path / "p.jsonl", [(url(n), page(n)) for n in range(len(ARTICLES))])
    tables = [
        "SELECT site, documents, template_lines FROM site_templates ORDER BY site",
        "SELECT * FROM site_template_counts ORDER BY 1, 2",
        "SELECT url, text FROM articles ORDER BY id",
    ]
    stored = []
    for jobs in ("1", "2"):
        db = tmp_path / f"jobs{jobs}.db"
        archive(db, pages, "--jobs", jobs)
        stored.append([query(db, sql) for sql in tables])
    assert stored[0] == stored[1]
    assert stored[0][1]  # keys were counted


def test_fingerprinted_documents_carry_their_site_keys_when_asked() -> None:
    from cleaner.archive.store import fingerprinted

    docs = [clean(page(n), url=url(n)) for n in range(2)]
    assert [f.site_keys for f in fingerprinted(docs, site_keys=True)] == [
        site_and_keys(d) for d in docs
    ]
    assert [f.site_keys for f in fingerprinted(docs)] == [None, None]
