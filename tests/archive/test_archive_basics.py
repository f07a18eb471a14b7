"""The archive's Done-when list on the five seeds, search robustness, duplicates, export."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from cleaner.archive import Archive, Pending, build_match, search
from cleaner.archive.dedupe import BANDS, band_keys, fingerprints, text_hash
from cleaner.archive.schema import MIGRATIONS, migrate

from tests.archive.conftest import invoke, query, scalar
from tests.archive.corpus import generated_text


def _hits(db: Path, q: str, *extra: str) -> list[dict[str, object]]:
    result = invoke("search", str(db), q, "--format", "jsonl", "--limit", "50", *extra)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_archiving_the_seeds_twice_stores_each_once(tmp_path: Path, seeds: Path) -> None:
    db = tmp_path / "db.db"
    first = invoke("archive", str(db), str(seeds))
    second = invoke("archive", str(db), str(seeds))
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert scalar(db, "select count(*) from articles") == 5
    assert scalar(db, "select count(*) from raw_documents") == 5
    assert scalar(db, "select count(*) from articles_fts") == 5
    assert "5 added" in first.stderr and "5 already stored" in second.stderr
    runs = query(db, "select command, status, added, already_stored from runs order by id")
    assert runs == [("archive", "completed", 5, 0), ("archive", "completed", 0, 5)]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("Pashinyan", 2), ("Kazakhstan", 5), ("Kwork", 0), ("WhatsApp", 0), ('"Recent Posts"', 0)],
)
def test_search_finds_articles_not_boilerplate(seed_db: Path, q: str, expected: int) -> None:
    assert len(_hits(seed_db, q)) == expected


def test_search_text_output_is_readable(seed_db: Path) -> None:
    result = invoke("search", str(seed_db), "Pashinyan", "--limit", "3")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1. ") and "[Pashinyan]" in result.stdout
    assert len([line for line in lines if line[:2] in ("1.", "2.")]) == 2


def test_search_is_ranked_and_limited(seed_db: Path) -> None:
    hits = _hits(seed_db, "Kazakhstan", "--limit", "2")
    assert len(hits) == 2
    assert hits[0]["score"] >= hits[1]["score"]
    assert "[Kazakhstan]" in hits[0]["snippet"]
    assert _hits(seed_db, "Kazakhstan", "--language", "ru") == []
    assert len(_hits(seed_db, "Kazakhstan", "--language", "en")) == 5


@pytest.mark.parametrize(
    "q",
    [
        '"',
        'Kazakhstan "',
        "Kwork.ru",
        "e-mail",
        "C++",
        "AND",
        "OR OR",
        "NOT",
        "a AND",
        "(",
        ")",
        "*",
        "'",
        "NEAR(a b)",
        "title:x",
        "^x",
        "'; DROP TABLE articles; --",
        "-",
        "Kazakh* *",
    ],
)
def test_any_query_works(seed_db: Path, q: str) -> None:
    result = invoke("search", str(seed_db), q)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert scalar(seed_db, "select count(*) from articles") == 5


def test_query_syntax() -> None:
    assert build_match("Kazakh*") == '"Kazakh"*'
    assert build_match('"Recent Posts"') == '"Recent Posts"'
    assert build_match("a OR b") == '"a" OR "b"'
    assert build_match("OR b") == '"OR" "b"'
    assert build_match('C++ "') == '"C++"'
    assert build_match("ёлка") == '"елка"'
    assert build_match('"') is None and build_match("  ") is None
    assert build_match("a\x00b") == '"a" "b"'  # a NUL ended FTS5's string: "unterminated"
    assert build_match('"econ"*') == '"econ"*'  # a quoted prefix stays a prefix
    for typed in ("Kazakh* OR e-mail", '"Recent Posts" C++', "ёлка AND", 'a "b c"* NOT d'):
        once = build_match(typed)
        assert once is not None and build_match(once) == once, typed  # the same typed again


def test_prefix_and_phrase_search(seed_db: Path) -> None:
    assert len(_hits(seed_db, "Kazakh*")) == 5
    assert len(_hits(seed_db, "Pashin*")) == 2
    assert len(_hits(seed_db, "Pashin")) == 0
    assert len(_hits(seed_db, "Pashinyan OR nonexistentword")) == 2


def test_yo_and_ye_match_each_other(tmp_path: Path) -> None:
    docs = tmp_path / "ru.jsonl"
    texts = [
        "Ёлка на площади\n\nНа главной площади города установили ёлку высотой двадцать метров. "
        "Её украсили тысячами огней, и жители приходят посмотреть на неё каждый вечер.",
        "Новости зимы\n\nВ парке поставили елку, и дети водили хоровод вокруг нее до позднего "
        "вечера, а родители пили горячий чай и обсуждали праздничные планы на неделю.",
    ]
    docs.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts))
    db = tmp_path / "ru.db"
    assert invoke("archive", str(db), str(docs)).exit_code == 0
    assert len(_hits(db, "ёлку")) == 2  # one writes ёлку, the other елку
    assert len(_hits(db, "елку")) == 2
    assert len(_hits(db, "её")) == 1 and len(_hits(db, "ее")) == 1
    assert len(_hits(db, "ёлк*")) == 2
    assert len(_hits(db, "елк*")) == 2


def test_reclean_keeps_articles_and_records_a_run(seed_db: Path) -> None:
    before = query(seed_db, "select id, raw_sha256 from articles order by id")
    result = invoke("reclean", str(seed_db), "--all")
    assert result.exit_code == 0, result.output
    assert "5 re-cleaned" in result.stderr
    assert query(seed_db, "select id, raw_sha256 from articles order by id") == before
    assert scalar(seed_db, "select count(*) from articles_fts") == 5
    assert query(seed_db, "select command, updated from runs order by id desc limit 1") == [
        ("reclean", 5)
    ]
    assert len(_hits(seed_db, "Pashinyan")) == 2
    # Without --all, nothing is stale: a second run changes nothing but is still recorded.
    assert "0 re-cleaned" in invoke("reclean", str(seed_db)).stderr
    assert scalar(seed_db, "select count(*) from runs") == 3


def test_reclean_applies_new_rules(seed_db: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "user.toml").write_text(
        "[[rule]]\nid = 'user.drop-pashinyan'\ncategory = 'ads'\n"
        "description = 'test rule'\npattern = 'Pashinyan'\nremove = 'line'\n"
        "examples_remove = ['Pashinyan said']\nexamples_keep = ['Tokayev said']\n"
    )
    assert invoke("reclean", str(seed_db), "--rules", str(rules)).exit_code == 0
    assert _hits(seed_db, "Pashinyan") == []
    assert scalar(seed_db, "select count(*) from removals where rule = 'user.drop-pashinyan'")


def test_export_streams_records(seed_db: Path) -> None:
    result = invoke("export", str(seed_db))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 5
    assert {"id", "text", "removed", "raw_sha256", "archived_at"} <= set(records[0])
    assert all(r["removed"] for r in records)
    text = invoke("export", str(seed_db), "--format", "text").stdout
    assert text.count("\f\n") == 4
    assert invoke("export", str(seed_db), "--language", "ru").stdout == ""
    assert invoke("export", str(seed_db), "--since", "2999-01-01").stdout == ""
    bad = invoke("export", str(seed_db), "--since", "yesterday")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_export_roundtrips_clean_output(seed_db: Path, seeds: Path) -> None:
    exported = {
        r["raw_sha256"]: r
        for r in map(json.loads, invoke("export", str(seed_db)).stdout.splitlines())
    }
    cleaned = invoke("clean", str(seeds), "--format", "jsonl").stdout.splitlines()
    for line in cleaned:
        record = json.loads(line)
        assert exported[record["raw_sha256"]]["text"] == record["text"]
        assert exported[record["raw_sha256"]]["removed"] == record["removed"]


def test_raw_bytes_are_kept(seed_db: Path, seeds: Path) -> None:
    from cleaner.archive.rawstore import (
        unpack,  # stored compressed (tests/archive/test_rawstore.py)
    )

    rows = query(seed_db, "select raw, codec from raw_documents")
    assert {unpack(raw, codec) for raw, codec in rows} == {p.read_bytes() for p in seeds.iterdir()}


def _near_copy(text: str) -> str:
    return text.replace("Kazakhstan", "Kazakhstan", 1).replace(" the ", " a ", 1) + "\n"


def test_duplicates_point_at_the_first(tmp_path: Path, seeds: Path) -> None:
    original = sorted(seeds.iterdir())[1].read_text(encoding="utf-8")
    (seeds / "copy_exact.txt").write_text(original + "\n\n")  # other bytes, same clean text
    lines = original.splitlines()
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    lines[longest] = lines[longest].replace(" the ", " this ", 2)  # a small edit
    (seeds / "copy_near.txt").write_text("\n".join(lines))
    db = tmp_path / "d.db"
    assert invoke("archive", str(db), str(seeds)).exit_code == 0
    rows = dict(query(db, "select source, duplicate_of from articles"))
    first = scalar(
        db, f"select id from articles where source like '%{sorted(seeds.iterdir())[1].name}'"
    )
    assert rows[str(seeds / "copy_exact.txt")] == first
    assert rows[str(seeds / "copy_near.txt")] == first
    assert sum(v is None for v in rows.values()) == 5
    assert scalar(db, "select count(*) from articles_fts") == 7  # every copy stays indexed
    assert len(_hits(db, "Kazakhstan")) == 5
    assert len(_hits(db, "Kazakhstan", "--all")) == 7
    assert len([r for r in invoke("export", str(db), "--unique").stdout.splitlines()]) == 5


def test_migrations_on_a_fresh_database() -> None:
    db = sqlite_utils.Database(memory=True)
    assert migrate(db) == [name for name, _ in MIGRATIONS]
    assert migrate(db) == []
    assert {"articles", "raw_documents", "removals", "runs", "articles_fts"} <= set(
        db.table_names()
    )
    assert db["articles"].detect_fts() == "articles_fts"
    assert 'content="articles"' in db["articles_fts"].schema
    assert db["articles"].pks == ["id"]


def test_search_library_api(seed_db: Path) -> None:
    with Archive(seed_db, write=False) as arc:
        hits = search(arc, "Pashinyan", limit=5, marks=("<", ">"))
        assert [h.title for h in hits] and "<Pashinyan>" in hits[0].snippet
        with pytest.raises(sqlite3.OperationalError):
            arc.conn.execute("insert into runs (command, started_at, status) values ('x','y','z')")


def test_summary_is_one_line_without_a_terminal(tmp_path: Path, seeds: Path) -> None:
    result = invoke("archive", str(tmp_path / "q.db"), str(seeds))
    assert result.stderr.splitlines() == [
        f"cleaner: archive {tmp_path / 'q.db'} (run 1): 5 added, 0 duplicates, "
        "0 already stored, 0 failed"
    ]


def test_progress_bar_only_on_a_terminal(tmp_path: Path, seeds: Path) -> None:
    import os
    import pty
    import subprocess

    from tests.archive.conftest import cleaner_process

    master, slave = pty.openpty()
    proc = cleaner_process(
        "archive", str(tmp_path / "p.db"), str(seeds), stderr=slave, stdout=subprocess.PIPE
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "archiving" in shown and "\x1b[" in shown  # rich drew its bar
    assert "5 added" in shown


def test_archive_with_worker_processes(tmp_path: Path) -> None:
    from tests.archive.corpus import write_jsonl

    docs = write_jsonl(tmp_path / "j.jsonl", 60, "jobs")
    db = tmp_path / "j.db"
    first = invoke("archive", str(db), str(docs), "--jobs", "2")
    again = invoke("archive", str(db), str(docs), "--jobs", "2")
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert "60 added" in first.stderr and "60 already stored" in again.stderr
    assert query(db, "select added, already_stored from runs order by id") == [(60, 0), (0, 60)]
    assert len(_hits(db, "jobs59x00")) == 1


def test_worker_fingerprints_store_what_one_process_stores(tmp_path: Path) -> None:
    """With --jobs, the workers hash what they clean; the archive must not differ."""
    texts = [_story(30), _story(31), _near(_story(30)), _story(32), _near(_story(31), at=30)]
    docs = tmp_path / "d.jsonl"
    docs.write_text(
        "".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts * 5))
    )
    columns = "select doc_id, duplicate_of, text_sha256 from articles order by id"
    stored = []
    for jobs in ("1", "2"):
        db = tmp_path / f"jobs{jobs}.db"
        result = invoke("archive", str(db), str(docs), "--jobs", jobs)
        assert result.exit_code == 0, result.output
        stored.append((query(db, columns), query(db, "select * from lsh_bands order by 1, 2")))
    assert stored[0] == stored[1]
    assert [row[1] for row in stored[0][0][:5]] == [None, None, 1, None, 2]


def test_reclean_stops_between_documents_with_work_committed(seed_db: Path) -> None:
    from cleaner.archive import Hooks, reclean

    from cleaner.pipeline import CleanOptions

    done: list[int] = []
    hooks = Hooks(on_progress=done.append, should_stop=lambda: len(done) >= 2)
    with Archive(seed_db) as arc:
        run_id = arc.start_run("reclean", [], "x")
        counts, stopped = reclean(
            arc, run_id=run_id, options=CleanOptions(), version=None, hooks=hooks
        )
    assert stopped and counts.updated == 2
    assert query(seed_db, f"select updated from runs where id = {run_id}") == [(2,)]
    assert scalar(seed_db, f"select count(*) from articles where run_id = {run_id}") == 2


def test_archive_never_imports_the_cli() -> None:
    root = Path(__file__).resolve().parents[2] / "archive"
    for module in root.glob("*.py"):
        assert "cleaner.cli" not in module.read_text(encoding="utf-8"), module


def test_failed_inputs_are_named_counted_and_the_rest_stored(tmp_path: Path, seeds: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "First story about harbours and ships and the sea."}\n{oops\n')
    db = tmp_path / "f.db"
    result = invoke("archive", str(db), str(seeds), str(tmp_path / "missing.txt"), str(broken))
    assert result.exit_code == 1
    assert f"cleaner: {tmp_path / 'missing.txt'}: no such file or directory" in result.stderr
    assert f"{broken}:2" in result.stderr
    assert "6 added" in result.stderr and "2 failed" in result.stderr
    assert query(db, "select added, failed, status from runs") == [(6, 2, "completed")]


def _story(n: int) -> str:
    rng = random.Random(n)
    return generated_text(n, rng, "dup", paragraphs=3, sentences=3, words=14)


def _near(text: str, at: int = 20) -> str:
    words = text.split(" ")
    words[at] = "changed"
    return " ".join(words)


def _pending(texts: list[str]) -> list[Pending]:
    from cleaner import clean

    return [Pending.of(clean(t), t.encode()) for t in texts]


def _duplicates(db: Path) -> list[tuple[object, ...]]:
    return query(db, "select id, duplicate_of from articles order by id")


def test_one_batch_finds_the_same_duplicates_as_one_document_at_a_time(tmp_path: Path) -> None:
    a, b = _story(1), _story(2)
    texts = [a, _near(a), b, a + "\n", _near(b), _story(3), _near(a, at=40)]
    together, apart = tmp_path / "together.db", tmp_path / "apart.db"
    with Archive(together) as arc:
        counts = arc.write_batch(arc.start_run("archive", [], "t"), _pending(texts))
    assert (counts.added, counts.duplicates) == (7, 4)
    with Archive(apart) as arc:
        run_id = arc.start_run("archive", [], "t")
        for item in _pending(texts):
            arc.write_batch(run_id, [item])
    assert _duplicates(together) == _duplicates(apart)
    assert _duplicates(together) == [
        (1, None), (2, 1), (3, None), (4, 1), (5, 3), (6, None), (7, 1)
    ]  # fmt: skip
    # The same raw bytes twice in one batch are stored once.
    with Archive(together) as arc:
        again = arc.write_batch(arc.start_run("archive", [], "t"), _pending([a, _story(4)] * 2))
    assert (again.added, again.already_stored) == (1, 3)


def test_migration_recomputes_signatures_of_an_older_archive(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    original = _story(7)
    with Archive(db) as arc:
        arc.write_batch(arc.start_run("archive", [], "t"), _pending([original, _story(8)]))
    # As an archive from before migration 002 looks: signatures from another hash family.
    conn = sqlite3.connect(db)
    conn.execute("update minhashes set signature = zeroblob(256)")
    conn.execute("update lsh_bands set band_hash = -band_hash")
    conn.execute("delete from _migrations where name >= '002'")
    conn.commit()
    conn.close()
    with Archive(db) as arc:
        counts = arc.write_batch(arc.start_run("archive", [], "t"), _pending([_near(original)]))
    assert counts.duplicates == 1
    assert _duplicates(db)[-1] == (3, 1)
    assert scalar(db, "select count(*) from minhashes where signature = zeroblob(256)") == 0
    assert scalar(db, "select count(*) from lsh_bands") == 3 * BANDS


@pytest.mark.parametrize("seed", range(3))
def test_batched_fingerprints_match_the_simple_definitions(seed: int) -> None:
    # The exact hash is sha256 of the folded, lower-cased words joined by one space, whatever
    # whitespace (ASCII or not) separated them, and a text gets the same keys in any batch.
    rng = random.Random(seed)
    pieces = ["a", "B", "ё", "Ё", " ", "\n\n", "\t", "\xa0", "\u2009", "\u3000", "\x1c", "é"]
    pieces += ["語", "\x85", "Zebra", "harbour", "."]
    texts = [
        "",
        " ",
        "one",
        *("".join(rng.choices(pieces, k=rng.randint(0, 80))) for _ in range(300)),
    ]
    texts += [_story(n) for n in range(20)]
    together = fingerprints(texts)
    for text, (sha, sig) in zip(texts, together, strict=True):
        assert sha == text_hash(text), repr(text)
        (alone_sha, alone_sig) = fingerprints([text])[0]
        assert alone_sha == sha
        assert (alone_sig is None) == (sig is None)
        if sig is not None and alone_sig is not None:
            assert list(alone_sig.values) == list(sig.values)
            assert alone_sig.bands == sig.bands == band_keys(sig.values)
    assert all(sig is not None for _, sig in together[-20:])


def test_near_duplicates_are_found_and_distinct_stories_are_not(tmp_path: Path) -> None:
    # Recall of the LSH bands plus the similarity check, on stories of ~130 words with one or
    # two words changed (Jaccard of 3-shingles ~0.9-0.95), and no false match among originals.
    rng = random.Random(11)
    originals = [_story(100 + n) for n in range(60)]
    copies = []
    for text in originals:
        words = text.split(" ")
        for at in rng.sample(range(5, len(words) - 5), rng.choice((1, 2))):
            words[at] = "altered"
        copies.append(" ".join(words))
    with Archive(tmp_path / "near.db") as arc:
        run_id = arc.start_run("archive", [], "t")
        first = arc.write_batch(run_id, _pending(originals))
        second = arc.write_batch(run_id, _pending(copies))
    assert (first.added, first.duplicates) == (60, 0)
    assert (second.added, second.duplicates) == (60, 60)
    rows = query(tmp_path / "near.db", "select id, duplicate_of from articles where id > 60")
    assert [dup for _, dup in rows] == list(range(1, 61))


def _index_names(db: Path) -> list[str]:
    return sorted(i.name for i in sqlite_utils.Database(db)["articles"].indexes)


def test_an_archive_from_before_the_lean_indexes_upgrades_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleaner.archive import schema

    db = tmp_path / "old.db"
    stories = [_story(200 + n) for n in range(5)]
    # As migration 003 left it, plus the later ones that add columns today's writer fills
    # (006: `modified`; 007: the raw documents' codec); 004 then runs on its own, as on an
    # archive of that time.
    monkeypatch.setattr(schema, "MIGRATIONS", [*MIGRATIONS[:3], *MIGRATIONS[4:]])
    with Archive(db) as arc:
        arc.write_batch(arc.start_run("archive", [], "t"), _pending(stories))
    assert "idx_articles_text_sha256" in _index_names(db)
    monkeypatch.undo()
    with Archive(db) as arc:  # runs 004: the table is rebuilt, rows and rowids kept
        counts = arc.write_batch(arc.start_run("archive", [], "t"), _pending([stories[2] + "\n"]))
        assert (counts.added, counts.duplicates) == (1, 1)
        assert [h.id for h in search(arc, "dup203x00")] == [4]
        arc.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    table = sqlite_utils.Database(db)["articles"]
    assert _index_names(db) == [
        "idx_articles_duplicate_of",
        "idx_articles_language",
        "idx_articles_published",
        "idx_articles_text_key",
    ]
    assert {t.name for t in table.triggers} == {"articles_ai", "articles_ad", "articles_au"}
    assert _duplicates(db) == [(1, None), (2, None), (3, None), (4, None), (5, None), (6, 3)]
    assert scalar(db, "select count(*) from articles_fts where articles_fts match 'number'") == 6


def test_fingerprints_are_the_same_however_the_bytes_are_segmented(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cleaner.archive import dedupe

    story = _story(5)
    texts = [" ".join(["filler words here"] * 100_000) + " " + story, "x" * 9000 + " " + story]
    texts.append(story)
    segmented = fingerprints(texts)  # the first text spans two running-sum segments
    monkeypatch.setattr(dedupe, "_SEGMENT", 1 << 30)
    whole = fingerprints(texts)
    assert [(h, list(s.values)) for h, s in segmented if s] == [
        (h, list(s.values)) for h, s in whole if s
    ]
    assert len(texts[0]) > dedupe._CHUNK_BYTES and all(s for _, s in segmented)


class _CountingConnection:
    """A connection that counts the statements run to insert into `articles`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.article_inserts = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.conn, name)

    def _count(self, sql: str, times: int) -> None:
        if sql.startswith("INSERT INTO articles "):
            self.article_inserts += times

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        self._count(sql, 1)
        return self.conn.execute(sql, *args)

    def executemany(self, sql: str, rows: list[object]) -> sqlite3.Cursor:
        rows = list(rows)
        self._count(sql, len(rows))
        return self.conn.executemany(sql, rows)


@pytest.mark.parametrize("variable_limit", [None, 60])
def test_a_batch_of_articles_is_inserted_with_few_statements(
    tmp_path: Path, variable_limit: int | None
) -> None:
    """FTS5 starts a new index segment at every statement: one INSERT per article made a
    segment each. The rows go in as few multi-row statements as the variable limit allows."""
    texts = [_story(n) for n in range(20, 27)]
    db = tmp_path / "db.db"
    with Archive(db) as arc:
        if variable_limit is not None:  # 2 rows of 25 columns per statement
            arc.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variable_limit)
        counting = _CountingConnection(arc.conn)
        arc.conn = counting  # type: ignore[assignment]
        arc.write_batch(arc.start_run("archive", [], "t"), _pending(texts))
        arc.conn = counting.conn
    assert counting.article_inserts == (1 if variable_limit is None else 4)
    assert scalar(db, "select count(*) from articles") == len(texts)
    assert scalar(db, "select count(*) from articles_fts where articles_fts match 'dup26*'") == 1


def test_sequential_cleans_in_groups_in_order_with_failures_in_place() -> None:
    from cleaner.archive import sequential

    from cleaner import clean
    from cleaner.inputs import InputFailure, RawInput

    texts = [_story(n) for n in range(40, 45)]
    items = [RawInput(f"s{n}", t, f"s{n}") for n, t in enumerate(texts)]
    items.insert(2, InputFailure("gone", "no such file"))
    items.insert(4, RawInput("binary", b"\x00\x01\x02 PNG", "binary"))
    results = list(sequential(group=3)(items))
    assert [getattr(r, "source", None) for r in results] == [
        "s0", "s1", "gone", "s2", "binary", "s3", "s4"
    ]  # fmt: skip
    assert isinstance(results[2], InputFailure) and isinstance(results[4], InputFailure)
    for result, text in zip([results[i] for i in (0, 1, 3, 5, 6)], texts, strict=True):
        expected = clean(text, source=result.source, doc_id=result.id)
        assert result.to_record() == expected.to_record()


class _SignatureReads:
    """A connection that counts the stored signatures its queries return."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.signatures = conn, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.conn, name)

    def execute(self, sql: str, *args: object) -> object:
        cursor = self.conn.execute(sql, *args)
        if "signature" not in sql or "SELECT" not in sql:
            return cursor
        rows = cursor.fetchall()
        self.signatures += len(rows)
        return _Rows(rows)


class _Rows(list):  # type: ignore[type-arg]
    def fetchone(self) -> object:
        return self[0] if self else None


def test_a_new_copy_reads_few_stored_signatures_however_many_copies_exist(
    tmp_path: Path,
) -> None:
    """Every stored copy of a story shares its bands; the first compared (the original)
    decides, so a new copy must not read all their signatures (that made re-cleaning a
    much-copied story quadratic)."""
    story = _story(60)
    copies = [f"{story}\n\nCopy number {n}." for n in range(30)]
    with Archive(tmp_path / "db.db") as arc:
        run_id = arc.start_run("archive", [], "t")
        arc.write_batch(run_id, _pending(copies))
        counting = _SignatureReads(arc.conn)
        arc.conn = counting  # type: ignore[assignment]
        counts = arc.write_batch(run_id, _pending([f"{story}\n\nOne more copy."]))
        arc.conn = counting.conn
    assert counts.duplicates == 1
    assert 1 <= counting.signatures <= 2
    assert _duplicates(tmp_path / "db.db")[-1] == (31, 1)


def test_library_options_reach_sequential_and_reclean(tmp_path: Path) -> None:
    """A caller's options (here: no generic classifier) are kept by the archive's cleaning
    steps, the input kind a record declares aside."""
    from cleaner.archive import ingest, reclean, sequential

    from cleaner import clean
    from cleaner.inputs import RawInput
    from cleaner.pipeline import CleanOptions

    raw = (Path(__file__).parents[2] / "samples" / "003_4b33d16a88eb6ab1.raw.txt").read_bytes()
    options = CleanOptions(generic=False)
    expected = clean(raw, source="s", doc_id="s", options=options)
    assert expected.text != clean(raw, source="s", doc_id="s").text  # the option matters here
    items = [RawInput("s", raw, "s", kind="text")]
    [doc] = list(sequential(options)(items))
    assert doc.to_record() == expected.to_record()

    with Archive(tmp_path / "a.db") as arc:
        ingest(arc, items, run_id=arc.start_run("archive", [], "t"), clean_batch=sequential())
        assert scalar(tmp_path / "a.db", "select text from articles") != expected.text
        reclean(arc, run_id=arc.start_run("reclean", [], "t"), options=options, version=None)
    assert scalar(tmp_path / "a.db", "select text from articles") == expected.text
