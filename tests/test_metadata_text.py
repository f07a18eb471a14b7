"""Metadata from plain-text scrapes and HTML pages as issue 14 asks: datelines in every
language (also on lines removed as boilerplate), `modified`, names without decorations,
headlines that are never a menu, and the archive column for `modified`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cleaner import CleanOptions, clean
from cleaner.dates import find_dates
from cleaner.metadata import (
    byline_author,
    looks_like_menu,
    normalise_name,
    page_text,
    url_date,
    url_month,
)

BODY = (
    "The county council voted on Tuesday to close the old bridge for repairs, a decision that "
    "will send commuters on a long detour for most of the summer season.\n\n"
    "Engineers found cracks in two of the supporting piers last winter and said the repairs "
    "could not wait for another year without risking a longer closure."
)
TEXT = CleanOptions(input_kind="text")


@pytest.mark.parametrize(
    ("line", "language", "values"),
    [
        ("By Jane Doe | Mar 12, 2023", "en", ["2023-03-12"]),
        ("12.03.2023 14:05", "de", ["2023-03-12T14:05"]),
        ("Publié le 18 avril 2024 à 14h05", "fr", ["2024-04-18T14:05"]),
        ("Опубликовано: 3 марта 2024, 10:15", "ru", ["2024-03-03T10:15"]),
        ("Veröffentlicht am 5. Mär. 2024 um 12:30 Uhr", "de", ["2024-03-05T12:30"]),
        ("Publicado el 5 de marzo de 2024", "es", ["2024-03-05"]),
        ("date 2024-01-03 (MENAFN- Example Wire)", "en", ["2024-01-03"]),
        ("Posted 3rd Sept 2021, 4:05 pm", "en", ["2021-09-03T16:05"]),
        ("2020年7月12日", None, ["2020-07-12"]),
        ("Download version 2.4.10 now", "en", []),
        ("Chapter 12 of 2004 pages", "en", []),
    ],
)
def test_find_dates_reads_each_language_s_datelines(
    line: str, language: str | None, values: list[str]
) -> None:
    assert [found.value for found in find_dates(line, language)] == values


def test_day_first_follows_the_page_s_own_dates() -> None:
    assert find_dates("03/04/2024", "en")[0].value == "2024-03-04"
    assert find_dates("03/04/2024", "en", day_first=True)[0].value == "2024-04-03"
    raw = f"Bridge closes for repairs\n03/04/2024\n\n{BODY}\n\nComment posted 14/04/2024"
    assert clean(raw, options=TEXT).published == "2024-04-03"


def test_dates_of_a_line_removed_as_boilerplate_are_read() -> None:
    raw = (
        "Accueil Actualités Sports Culture Météo\n"
        "Publié le 18 avril 2024 à 14h05 · Mis à jour le 19 avril 2024 à 08h30\n\n"
        "La mairie a annoncé jeudi la fermeture de la piscine municipale pendant tout l'été, "
        "le temps de remplacer la toiture et le système de filtration de l'eau.\n\n"
        "Les travaux, estimés à deux millions d'euros, devaient commencer à l'automne mais ont "
        "été avancés après la découverte d'infiltrations dans la charpente."
    )
    doc = clean(raw, options=TEXT)
    assert "Publié" not in doc.text
    assert (doc.published, doc.published_source) == ("2024-04-18T14:05", "label")
    assert (doc.modified, doc.modified_source) == ("2024-04-19T08:30", "label")
    assert doc.title is None  # a menu is no headline


@pytest.mark.parametrize(
    "dates",
    [
        "Updated: 14 March 2024 | Published: 12 March 2024",
        "Published: 12 March 2024\nUpdated: 14 March 2024",
        "Updated: 14 March 2024\nPublished: 12 March 2024",
    ],
)
def test_updated_before_or_after_published(dates: str) -> None:
    doc = clean(f"Bridge closes for repairs\n{dates}\n\n{BODY}", options=TEXT)
    assert (doc.published, doc.modified) == ("2024-03-12", "2024-03-14")


def test_widget_anywhere_in_the_header_is_page_date_never_published() -> None:
    header = "\n".join(["The Valley Herald", "News Sport Business", *["Menu item"] * 9])
    raw = f"{header}\nWednesday, July 3, 2024\nBridge closes for repairs\nBy Jane Doe\n\n{BODY}"
    doc = clean(raw, options=TEXT)
    assert doc.page_date == "2024-07-03"
    assert doc.published is None


def test_dated_teaser_list_and_in_story_dates_are_not_published() -> None:
    teasers = "\n".join(f"Another story {n}\n{n} May 2023" for n in (3, 9, 17))
    raw = f"Bridge closes for repairs\n\n{BODY}\n\nOn March 3, 2021, it flooded.\n\n{teasers}"
    assert clean(raw, options=TEXT).published is None


def test_url_date_decides_between_candidates() -> None:
    raw = f"Bridge closes for repairs\nMay 2, 2024\n\n{BODY}"
    assert clean(raw, url="https://x.example/2024/05/02/bridge", options=TEXT).published == (
        "2024-05-02"
    )
    assert clean(raw, url="https://x.example/2024/05/09/bridge", options=TEXT).published is None
    assert url_date("https://x.example/2023/10/3-fragen") is None


@pytest.mark.parametrize(
    ("shown", "name"),
    [
        ("Pedal & Spoke · Proudly powered by WordPress", "Pedal & Spoke"),
        ("«Деловая лента». Все права защищены. 18+", "Деловая лента"),
        ("© 2024 Pedal & Spoke | Powered by WordPress | Theme by Someone", "Pedal & Spoke"),
        ("Le Journal 2024 - Tous droits réservés", "Le Journal"),
        ("El Diario del Sur®", "El Diario del Sur"),
        ("3+2 Media", "3+2 Media"),
        ("Le Petit Lac · Fièrement propulsé par WordPress", "Le Petit Lac"),
        ("Talblick | Stolz präsentiert von WordPress", "Talblick"),
        ("La Voz del Río · Funciona gracias a WordPress", "La Voz del Río"),
        ("Речной вестник — Сайт работает на WordPress", "Речной вестник"),
        ("Propulsion Weekly", "Propulsion Weekly"),
    ],
)
def test_publisher_reduced_to_the_name(shown: str, name: str) -> None:
    assert normalise_name(shown) == name


@pytest.mark.parametrize(
    "footer",
    [
        "Pedal & Spoke · Proudly powered by WordPress",
        "«Pedal & Spoke». All rights reserved. 18+",
        "Distributed by Pedal & Spoke.",
        "Pedal & Spoke · Fièrement propulsé par WordPress",
        "Pedal & Spoke | Сайт работает на WordPress",
    ],
)
def test_footer_names_the_publisher(footer: str) -> None:
    raw = f"Bridge closes for repairs\n\n{BODY}\n\n{footer}"
    assert clean(raw, options=TEXT).publisher == "Pedal & Spoke"


def test_byline_author() -> None:
    assert byline_author("By Jane Doe | March 12, 2023") == "Jane Doe"
    assert byline_author("Von Max Muster, 12.03.2024") == "Max Muster"
    assert byline_author("by the way, 12 March 2024") is None


@pytest.mark.parametrize(
    ("line", "menu"),
    [
        ("Home World Business Tech Sport Opinion", True),
        ("Главная Новости Экономика Общество Спорт", True),
        ("Biden Signs Climate Bill Into Law", False),
        ("Neue Buslinie zum Gewerbegebiet", False),
        ("Port Strike", False),
    ],
)
def test_menu_lines(line: str, menu: bool) -> None:
    assert looks_like_menu(line) is menu


def test_headline_repeating_the_page_title_without_its_site_name() -> None:
    raw = (
        "Bridge closes for repairs | The County Times\nHome\nNews\n"
        f"Bridge closes for repairs\nMay 2, 2024\n\n{BODY}"
    )
    doc = clean(raw, options=TEXT)
    assert doc.title == "Bridge closes for repairs"
    assert "Bridge closes" not in doc.text
    assert doc.published == "2024-05-02"


def test_html_modified_and_visible_dateline() -> None:
    html = (
        "<html><head><title>Bridge closes | The County Times</title>"
        '<meta property="article:modified_time" content="2024-05-03T10:00:00+01:00">'
        "</head><body><div>Published: 2 May 2024</div><article><h1>Bridge closes</h1>"
        + "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
        + "</article></body></html>"
    )
    doc = clean(html, options=CleanOptions(input_kind="html"))
    assert (doc.published, doc.published_source) == ("2024-05-02", "label")
    assert (doc.modified, doc.modified_source) == ("2024-05-03T10:00:00+01:00", "html-meta")
    record = doc.to_record()
    keys = list(record)
    assert keys.index("published_source") + 1 == keys.index("modified")
    assert record["modified_source"] == "html-meta"


def test_archive_migration_adds_modified_and_keeps_old_rows(tmp_path: Path) -> None:
    from cleaner.archive import Archive
    from cleaner.archive.schema import migrate

    db = tmp_path / "a.db"
    raw = f"Bridge closes for repairs\nPublished: 2 May 2024\nUpdated: 3 May 2024\n\n{BODY}"
    sample = tmp_path / "one.txt"
    sample.write_text(raw, encoding="utf-8")
    from click.testing import CliRunner

    from cleaner.cli import cli

    assert CliRunner().invoke(cli, ["archive", str(db), str(sample)]).exit_code == 0
    conn = sqlite3.connect(db)
    assert conn.execute("select modified, modified_source from articles").fetchall() == [
        ("2024-05-03", "label")
    ]
    # As an archive from before migration 006: no such columns, and not recorded.
    conn.execute("alter table articles drop column modified")
    conn.execute("alter table articles drop column modified_source")
    conn.execute("delete from _migrations where name = '006_modified'")
    conn.commit()
    conn.close()
    with Archive(db) as arc:
        rows = arc.conn.execute("select published, modified from articles").fetchall()
    assert [tuple(r) for r in rows] == [("2024-05-02", None)]
    import sqlite_utils

    assert migrate(sqlite_utils.Database(db)) == []
    exported = CliRunner().invoke(cli, ["export", str(db)])
    assert exported.exit_code == 0 and '"modified": null' in exported.stdout


MENU = "\n".join(
    ["Home", "Local", "Region", "Sport", "Culture", "Weather", "Jobs", "Events", "Archive"] * 3
)


def test_byline_date_under_the_article_s_headline_when_a_sticky_header_repeats_it() -> None:
    # The headline stands in a sticky header above the menu, and again above the byline.
    raw = (
        "Bridge closes for repairs | The County Times\nBridge closes for repairs\n"
        f"Share\nPrint\n{MENU}\nBridge closes for repairs\nBy Jane Doe\nMay 2, 2024\n\n{BODY}"
    )
    doc = clean(raw, options=TEXT)
    assert (doc.published, doc.published_source) == ("2024-05-02", "byline")


def test_an_embedded_post_s_date_is_not_published() -> None:
    first, second = BODY.split("\n\n")
    raw = (
        f"Bridge closes for repairs\n\n{first}\n\nThe bridge is closed, finally. pic.example/x1\n"
        f"— Jane Roe (@janeroe) May 1, 2024\n\n{second}"
    )
    assert clean(raw, options=TEXT).published is None


def test_embedded_posts_are_not_in_the_page_text_read_for_dates() -> None:
    html = (
        "<html><body><h1>Bridge closes</h1><p>Lead.</p>"
        '<blockquote class="twitter-tweet"><p>Closed at last</p>&mdash; Jane Roe (@janeroe) '
        '<a href="https://example.com/s/1">May 1, 2024</a></blockquote>'
        '<blockquote class="instagram-media"><p>Shared by jane</p><time>Apr 30, 2024</time>'
        "</blockquote><blockquote><p>A quoted line, 3 May 2024.</p></blockquote></body></html>"
    )
    text = page_text(html)
    assert "2024" in text and "May 1" not in text and "Apr 30" not in text


@pytest.mark.parametrize(
    ("footer", "expected"),
    [
        (
            "Dieser Beitrag wurde am Samstag, 4. Mai 2024 um 10:15 Uhr veröffentlicht und unter "
            "Allgemein abgelegt. Sie können alle Antworten über den Feed verfolgen.",
            "2024-05-04T10:15",
        ),
        (
            "Die Brücke bleibt zu wurde am 4. Mai 2024 um 10:15 Uhr gepostet und unter "
            "Verkehr, Region, Bauen abgelegt. Kommentare sind geschlossen.",
            "2024-05-04T10:15",
        ),
        (  # a study published on a date, in the story: not the page's date
            "Die Studie der Landesanstalt für Straßenbau wurde am 4. Mai 2024 veröffentlicht und "
            "zeigt Risse in zwei der Pfeiler, die seit Jahren bekannt waren, so die Behörde.",
            None,
        ),
    ],
)
def test_post_footer_names_its_date_before_the_verb(footer: str, expected: str | None) -> None:
    raw = (
        "Die Brücke bleibt zu\n\n"
        "Der Kreistag hat am Dienstag beschlossen, die alte Brücke für Reparaturen zu sperren, "
        "was Pendler den ganzen Sommer über auf einen langen Umweg schicken wird.\n\n"
        f"{footer}"
    )
    assert clean(raw, options=CleanOptions(input_kind="text")).published == expected


def test_meta_date_tells_the_day_first_order_of_a_slashed_dateline() -> None:
    html = (
        "<html><head><title>Bridge closes for repairs</title>"
        '<meta property="article:published_time" content="2024-11-02T19:20:00+07:00">'
        "</head><body><article><h1>Bridge closes for repairs</h1>"
        "<div>Thursday, 2/11/2024, 19:20 (GMT+7)</div>"
        + "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
        + "</article></body></html>"
    )
    doc = clean(html, options=CleanOptions(input_kind="html"))
    assert doc.published is not None and doc.published[:10] == "2024-11-02"


def test_headline_below_its_kicker_anchors_the_byline_date() -> None:
    menu = "".join(f"<li>{w}</li>" for w in MENU.split("\n"))
    html = (
        "<html><head><title>Brückensanierung: Die alte Brücke wird ein Jahr lang gesperrt"
        f"</title></head><body><ul>{menu}</ul><div>Brückensanierung:</div>"
        "<h1>Die alte Brücke wird ein Jahr lang gesperrt</h1><p>Der Kreistag hat am Dienstag "
        "beschlossen, die alte Brücke für Reparaturen zu sperren, was Pendler den ganzen "
        "Sommer über auf einen langen Umweg schicken wird.</p><div>02.05.2024 - 10:15 Uhr</div>"
        "<p>Die Ingenieure fanden im vergangenen Winter Risse in zwei der Pfeiler und sagten, "
        "die Reparatur könne nicht noch ein Jahr warten, ohne eine längere Sperrung zu "
        "riskieren.</p></body></html>"
    )
    doc = clean(html, options=CleanOptions(input_kind="html"))
    assert doc.published == "2024-05-02T10:15"


def test_url_month_decides_between_a_byline_and_the_meta_tags() -> None:
    assert url_month("https://x.example/2023/10/3-questions") == "2023-10"
    assert url_month("https://x.example/2019/43/issue") is None  # an issue number
    html = (
        "<html><head><title>Three questions for the new librarian</title>"
        '<meta property="article:published_time" content="2023-10-31T08:00:00+00:00">'
        "</head><body><article><h1>Three questions for the new librarian</h1>"
        "<div>21.10.2019</div>"
        + "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
        + "</article></body></html>"
    )
    url = "https://x.example/2023/10/three-questions"
    doc = clean(html, url=url, options=CleanOptions(input_kind="html"))
    assert (doc.published, doc.published_source) == ("2023-10-31T08:00:00+00:00", "html-meta")
    doc = clean(
        html, url="https://x.example/three-questions", options=CleanOptions(input_kind="html")
    )
    assert doc.published == "2019-10-21"
