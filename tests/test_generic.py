"""The body model: its file, its inference, and what it does to pages of known kinds."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from cleaner import clean
from cleaner.body_model import (
    FORMAT_VERSION,
    STAGE1,
    STAGE2,
    BodyModel,
    Forest,
    default_model,
    page_features,
)
from cleaner.generic import apply_generic
from cleaner.lines import Unit

PROSE = (
    "The council voted on Tuesday to extend the harbour wall by two hundred metres, "
    "after a winter in which the old one was breached three times and the fish market "
    "flooded twice, the mayor said at a meeting with residents."
)
PROSE2 = (
    "Work on the new section will begin in the spring, and the contractor expects to "
    "finish before the autumn storms, when the boats that shelter behind the wall return "
    "from their summer moorings further up the coast."
)
PROSE3 = (
    "Residents who live on the seafront said they welcomed the decision, although several "
    "of them asked the council to keep the footpath along the top of the wall open while "
    "the builders are at work, so that dog walkers can still use it."
)


def units(*specs: tuple[str, str | None]) -> list[Unit]:
    out = []
    for i, (text, removed_by) in enumerate(specs):
        u = Unit(index=i, lines=[i + 1], raw=[text], text=text, block=i, removed_by=removed_by)
        u.words = len(text.split())
        out.append(u)
    return out


MENU = [(m, None) for m in ("Home", "News", "Sport", "Weather", "Contact")]
FOOTER = [("© 2025 Example News. All rights reserved.", "copyright.notice")]


def test_the_shipped_model_loads_and_matches_the_features() -> None:
    data = json.loads(resources.files("cleaner").joinpath("body_model.json").read_text("utf-8"))
    assert data["format"] == FORMAT_VERSION
    assert tuple(data["stage1_features"]) == STAGE1
    assert tuple(data["stage2_features"]) == STAGE2
    assert set(data["trained_on"]) >= {"aeb", "traf", "wce"}
    model = default_model()
    assert 0.0 < model.threshold < 1.0


def test_a_model_trained_on_other_features_is_refused() -> None:
    data = json.loads(resources.files("cleaner").joinpath("body_model.json").read_text("utf-8"))
    data["stage2_features"] = data["stage2_features"][:-1]
    with pytest.raises(ValueError, match="make train"):
        BodyModel.from_dict(data)


def test_forest_walks_its_trees() -> None:
    # one stump: feature 1 <= 0.5 -> -2.0, else +3.0; a second tree adds 1.0 everywhere
    forest = Forest.from_dict(
        {
            "baseline": 0.5,
            "depth": 1,
            "trees": [
                {
                    "feature": [1, 0, 0],
                    "threshold": [0.5, 0.0, 0.0],
                    "left": [1, 1, 2],
                    "right": [2, 1, 2],
                    "value": [0.0, -2.0, 3.0],
                },
                {"feature": [0], "threshold": [0.0], "left": [0], "right": [0], "value": [1.0]},
            ],
        }
    )
    x = np.array([[9.0, 0.2], [9.0, 0.9]])
    assert forest.raw(x).tolist() == [-0.5, 4.5]
    assert forest.proba(x)[1] == pytest.approx(1 / (1 + np.exp(-4.5)))


def test_features_have_one_row_per_unit_and_no_gaps() -> None:
    page = units(*MENU, (PROSE, None), ("Advertisement", "ads.label"), (PROSE2, None))
    x = page_features(page, "en", None)
    assert x.shape == (len(page), len(STAGE1))
    assert np.isfinite(x).all()
    # a language without a stop-word list gets density 0, never another language's list
    assert page_features(page, "id", None)[:, STAGE1.index("stop_density")].max() == 0.0


def test_an_insert_between_article_parts_goes_and_the_article_after_it_stays() -> None:
    page = units(
        *MENU,
        (PROSE, None),
        ("Advertisement", "ads.label"),
        ("Spring sale at the garden centre: all compost half price.", None),
        ("Free delivery on orders over £40, open every day.", None),
        (PROSE2, None),
        (PROSE3, None),
        *FOOTER,
    )
    apply_generic(page, "en")
    assert page[5].kept and page[9].kept and page[10].kept
    assert page[6].removed_by == "ads.label"


def test_menus_go_with_a_rule_id_and_a_note() -> None:
    page = units(*MENU, (PROSE, None), (PROSE2, None), (PROSE3, None), *FOOTER)
    apply_generic(page, "en")
    assert all(u.kept for u in page[5:8])
    for u in page[:5]:
        assert u.removed_by in ("generic.model", "generic.model.context")
        assert u.note.startswith("p=")


def test_every_generic_removal_is_explained_in_the_document() -> None:
    raw = "\n".join(["Home", "News", "Sport", PROSE, "", PROSE2, "", PROSE3, "Contact us"])
    doc = clean(raw)
    generic = [r for r in doc.removed if r.rule.startswith("generic.")]
    assert generic, "the menu lines should go"
    assert all(r.note.startswith("p=") for r in generic)
    assert "note" not in generic[0].to_dict()  # the JSON record keeps its fields


def test_ad_copy_under_an_ad_label_goes_with_it() -> None:
    from cleaner.generic import mark_ad_copy

    page = units(
        (PROSE, None),
        ("Advertisement", "ads.label"),
        ("Spring sale: all compost half price this weekend.", None),
        ("Free delivery on orders over £40.", None),
        (PROSE2, None),
    )
    for u in page[1:]:
        u.block = 1  # the label, its copy and the next paragraph in one block
    assert mark_ad_copy(page) == 2
    assert page[2].removed_by == page[3].removed_by == "generic.ad-copy"
    assert page[4].kept  # a long line is the article again


def test_ad_copy_stops_at_a_new_block() -> None:
    from cleaner.generic import mark_ad_copy

    page = units(("Реклама", "ads.label"), ("Короткая строка статьи.", None))
    assert mark_ad_copy(page) == 0  # units() puts each line in its own block
    assert page[1].kept


def test_html_extents_may_not_take_the_whole_extraction() -> None:
    from cleaner.engine import Match
    from cleaner.generic import gate_extents
    from cleaner.ruleset import Rule

    page = units(("Disclaimer", None), (PROSE, None), (PROSE2, None), (PROSE3, None))
    rule = Rule(id="legal.example-heading", category="legal", description="x", remove="rest")
    page[0].removed_by = rule.id
    for u in page[1:]:
        u.removed_by = rule.id  # by extent only
    assert gate_extents(page, [(page[0], Match(rule, {}, 10))]) == 3
    assert page[0].removed_by == rule.id
    assert all(u.kept for u in page[1:])


def test_html_extents_that_leave_most_of_the_extraction_stay() -> None:
    from cleaner.engine import Match
    from cleaner.generic import gate_extents
    from cleaner.ruleset import Rule

    page = units(
        (PROSE, None), (PROSE2, None), (PROSE3, None), ("Related", None), ("A teaser", None)
    )
    rule = Rule(id="related.example", category="related", description="x", remove="rest")
    page[3].removed_by = page[4].removed_by = rule.id
    assert gate_extents(page, [(page[3], Match(rule, {}, 7))]) == 0
    assert page[4].removed_by == rule.id


# HTML pages trafilatura cannot read as they come (invented text).
FERRY = (
    "The ferry company said on Monday that the night crossing to the islands would stop for "
    "the winter, because too few passengers had booked cabins since the new bridge opened.",
    "Harbour workers, who had hoped the route would stay open until Christmas, asked the "
    "county to pay for a smaller boat that could run twice a week while the weather allows.",
    "A spokesman for the company said the decision would be reviewed in March, when the "
    "timetable for the summer season is drawn up and the first bookings come in.",
)
FERRY_BODY = "<h1>Night ferry stops for the winter</h1>" + "".join(f"<p>{p}</p>" for p in FERRY)


def test_html_whose_start_tags_sit_in_conditional_comments_is_read() -> None:
    """`<!--[if gt IE 8]>` with its closing `<!-->` lost hides the whole page in a comment."""
    from cleaner import CleanOptions

    page = (
        '<!doctype html>\n<!--[if lt IE 7]> <html class="old ie6" lang="en"> <![endif]-->\n'
        "<!--[if gt IE 8]>\n<head><title>Night ferry stops for the winter</title></head>\n"
        '<body><div class="nav"><a href="/">Home</a> <a href="/news">News</a></div>'
        f"<article>{FERRY_BODY}</article></body></html>"
    )
    doc = clean(page, options=CleanOptions(input_kind="html"))
    assert doc.text == "\n\n".join(FERRY)
    assert doc.title == "Night ferry stops for the winter"


def test_an_html_fragment_without_an_html_element_is_read() -> None:
    """trafilatura rejects a fragment with a single top element: it is wrapped first."""
    from cleaner import CleanOptions

    menu = "".join(
        f'<li><a href="/{w.lower()}">{w}</a></li>' for w in ("Home", "Archive", "Tides", "About")
    )
    page = (
        f'<text id="http://example.org/ferry"><div id="page"><div id="nav"><ul>{menu}</ul>'
        f'</div><div id="main">{FERRY_BODY}</div></div></text>\n'
    )
    doc = clean(page, options=CleanOptions(input_kind="html"))
    assert doc.text == "\n\n".join(FERRY)
