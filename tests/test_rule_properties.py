"""Behaviour as rule properties, not id prefixes: `inline`, `ad_mark` and `metadata` in the
rule files decide what the body model and the ad-copy pass make of a removed line."""

from __future__ import annotations

from cleaner.generic import body_sequence, mark_ad_copy
from cleaner.lines import make_units
from cleaner.ruleset import FLAGS, Ruleset, default_ruleset, parse_rule_file

USER_RULES = """
[[rule]]
id = "ads.user-banner"
category = "ads"
description = "A banner line of one site, no property set"
pattern = '^Banner of the week$'

[[rule]]
id = "user.sponsor-mark"
category = "ads"
description = "A sponsor marking after which the sponsor's copy follows"
ad_mark = true
inline = true
pattern = '^Sponsor:$'
"""


def test_built_in_properties() -> None:
    ruleset = default_ruleset()
    inline = ruleset.having("inline")
    assert {"ads.label", "editorial-notes.photo-credit", "related-lists.read-more-link"} <= inline
    assert "generic.ad-copy" not in inline and "related-lists.list-heading" not in inline
    assert ruleset.having("ad_mark") == {"ads.label", "ads.erid-marking", "ads.erid-advertiser"}
    assert ruleset.having("metadata") == {"meta.title", "meta.repeated-title", "meta.byline-date"}
    for flag in FLAGS:
        assert all(ruleset.get(i) is not None for i in ruleset.having(flag))


def test_a_user_rule_gets_behaviour_from_its_properties_not_its_id() -> None:
    rules = tuple(parse_rule_file(USER_RULES, "mine.toml"))
    ruleset = Ruleset(rules=rules, version="test")
    assert ruleset.having("inline") == {"user.sponsor-mark"}  # "ads." is only a name
    assert ruleset.having("ad_mark") == {"user.sponsor-mark"}
    units, _ = make_units("Sponsor:\nFresh bread daily\n\nThe council met on Monday.")
    units[0].removed_by = "user.sponsor-mark"
    assert mark_ad_copy(units, ruleset.having("ad_mark")) == 1
    assert units[1].removed_by == "generic.ad-copy" and units[2].kept


def test_metadata_lines_are_not_what_the_body_model_sees() -> None:
    units, _ = make_units("Harbour reopens\n\nThe harbour reopened on Monday.\n\nMenu")
    units[0].removed_by = "meta.title"
    units[2].removed_by = "nav.breadcrumb"
    assert [u.index for u in body_sequence(units)] == [units[1].index, units[2].index]
    assert len(body_sequence(units, metadata=frozenset())) == 3


TEXT_ONLY_RULE = """
[[rule]]
id = "user.closing-note"
category = "editorial-notes"
description = "A closing note that trafilatura's extraction keeps as the article's own"
text_only = true
pattern = '^Reporting by the harbour desk\\.$'
"""

HTML_PAGE = """<html><head><title>Harbour reopens</title></head><body><article>
<h1>Harbour reopens</h1>
<p>The harbour reopened on Monday after a winter of repairs to the old stone quay.</p>
<p>Fishing boats returned before dawn, and the market hall opened its doors at seven.</p>
<p>Reporting by the harbour desk.</p>
</article></body></html>"""


def test_a_text_only_rule_removes_in_text_but_not_from_trafilaturas_extraction() -> None:
    from cleaner import CleanOptions, clean
    from cleaner.generic import gate_unsure

    rules = tuple(parse_rule_file(TEXT_ONLY_RULE, "mine.toml"))
    ruleset = Ruleset(rules=rules, version="test")
    assert ruleset.having("text_only") == {"user.closing-note"}
    units, _ = make_units("The harbour reopened.\n\nReporting by the harbour desk.")
    units[1].removed_by = "user.closing-note"
    assert gate_unsure(units, ruleset) == 1 and units[1].kept

    options = CleanOptions(ruleset=ruleset)
    text = "\n\n".join(
        [
            "The harbour reopened on Monday after a winter of repairs to the old stone quay.",
            "Reporting by the harbour desk.",
        ]
    )
    assert "Reporting by the harbour desk." not in clean(text, options=options).text
    assert "Reporting by the harbour desk." in clean(HTML_PAGE, options=options).text
