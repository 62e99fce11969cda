"""Results as a viewer or researcher sees them: times, groups, facets, order, pages, snippets."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.search import Searcher, SearchRequest, search
from index.writer import rebuild
from tests.index.conftest import WORD_MS


def test_hit_time_is_the_first_matched_word(index_dir: Path) -> None:
    (hit,) = search(
        index_dir,
        SearchRequest(
            q="Lyon expérimentations", speaker="marie-curie", date_from="2018-01-01", sort="date"
        ),
    ).hits[:1]
    # Segment 2 starts at 10 s; "expérimentations" is its 4th word, "Lyon" its 9th.
    assert hit.segment_id == 2
    assert hit.segment_start_ms == 10_000
    assert hit.start_ms == 10_000 + 3 * WORD_MS
    assert hit.session_slug == "conseil-2018"  # the portal links it (tests/portal/test_shapes.py)


def test_phrase_hit_starts_at_the_phrase(index_dir: Path) -> None:
    (hit,) = search(index_dir, SearchRequest(q='"conseil municipal"')).hits
    assert hit.start_ms == 6 * WORD_MS  # "Bonjour à tous, la séance du conseil ..."


def test_results_are_plain_data_in_ms(index_dir: Path) -> None:
    results = search(index_dir, SearchRequest(q="végétalisation", with_facets=True))
    assert results.total == 1
    (hit,) = results.hits
    assert (hit.session_slug, hit.speaker_slug) == ("urbanisme-2019", "paul-martin")
    assert (hit.start_ms, hit.end_ms) == (8_000 + 3 * WORD_MS, 8_000 + 7 * WORD_MS)
    assert hit.text == "Une expérimentation de végétalisation des toits commence."
    assert results.facets["speaker"] == [("paul-martin", "Paul Martin", 1)]
    assert hit.snippet_html.count("<mark>") == 1


def test_grouping_per_session_with_counts(index_dir: Path) -> None:
    results = search(index_dir, SearchRequest(q="expérimentation", group_by_session=True))
    groups = {g.session_slug: g for g in results.groups}
    assert set(groups) == {"conseil-2018", "urbanisme-2019"}
    assert groups["conseil-2018"].count == 2
    assert {h.segment_id for h in groups["conseil-2018"].hits} == {2, 4}
    assert groups["urbanisme-2019"].count == 1
    assert groups["conseil-2018"].session_title == "Conseil du 14 mars 2018"
    assert results.total == 3


def test_facet_counts(index_dir: Path) -> None:
    facets = search(index_dir, SearchRequest(q="expérimentation", with_facets=True)).facets
    assert facets["speaker"] == [
        ("marie-curie", "Marie Curie", 2),
        ("paul-martin", "Paul Martin", 1),
    ]
    assert facets["org"] == [
        ("Université de Lyon", "Université de Lyon", 2),
        ("Ville de Paris", "Ville de Paris", 1),
    ]
    assert facets["series"] == [
        ("conseil-municipal", "Conseil municipal", 2),
        ("ateliers", "Ateliers d'urbanisme", 1),
    ]
    assert facets["year"] == [("2019", "2019", 1), ("2018", "2018", 2)]


def test_sort_by_date_newest_session_first_then_spoken_order(index_dir: Path) -> None:
    hits = search(index_dir, SearchRequest(q="Paris OR conseil OR council", sort="date")).hits
    assert [h.segment_id for h in hits] == [20, 21, 12, 1, 3, 4]


def test_relevance_ranks_denser_matches_first(index_dir: Path) -> None:
    hits = search(index_dir, SearchRequest(q="expérimentations OR Lyon")).hits
    assert hits[0].segment_id in {2, 4}  # both words beat one word
    assert hits[-1].segment_id == 11


@pytest.mark.parametrize(
    ("page", "expected_page"),
    [(-1, 1), (0, 1), (1, 1), (2, 2), (3, 3), (999, 3), ("abc", 1), (None, 1)],
)
def test_pagination_clamps_pages(index_dir: Path, page, expected_page: int) -> None:
    results = search(index_dir, SearchRequest(q="expérimentation", page=page, page_size=1))
    assert (results.total, results.pages, results.page) == (3, 3, expected_page)
    assert len(results.hits) == 1


def test_pages_do_not_repeat_hits(index_dir: Path) -> None:
    seen = [
        search(index_dir, SearchRequest(q="expérimentation", page=p, page_size=2)).hits
        for p in (1, 2)
    ]
    ids = [h.segment_id for page in seen for h in page]
    assert sorted(ids) == [2, 4, 11]


def test_did_you_mean_when_nothing_matches(index_dir: Path) -> None:
    results = search(index_dir, SearchRequest(q="vegetalisasion"))
    assert results.total == 0
    assert results.suggestion == "végétalisation"
    assert search(index_dir, SearchRequest(q=results.suggestion)).total == 1


def test_no_suggestion_when_something_matches(index_dir: Path) -> None:
    assert search(index_dir, SearchRequest(q="budget")).suggestion is None


def test_hostile_transcript_text_is_escaped(index_dir: Path) -> None:
    (hit,) = search(index_dir, SearchRequest(q="budget")).hits
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "&amp;" in hit.snippet_html
    assert "<mark>budget</mark>" in hit.snippet_html
    assert hit.text.startswith("<script>")  # the raw text is kept for plain-text output


def test_matched_query_words_in_markup_are_escaped_too(index_dir: Path) -> None:
    (hit,) = search(index_dir, SearchRequest(q="script alert")).hits
    assert "<mark>script</mark>" in hit.snippet_html
    assert hit.snippet_html.startswith("&lt;<mark>script</mark>&gt;")


def test_long_text_snippet_is_a_window_around_the_match(tmp_path: Path) -> None:
    from tests.index.conftest import make_doc

    text = "début " + "remplissage " * 80 + "trouvaille " + "suite " * 80
    rebuild(tmp_path, [make_doc(1, "conseil-2018", None, 0, text)])
    (hit,) = search(tmp_path, SearchRequest(q="trouvaille")).hits
    assert "<mark>trouvaille</mark>" in hit.snippet_html
    assert len(hit.snippet_html) < 300
    assert hit.snippet_html.startswith("…") and hit.snippet_html.endswith("…")
    assert hit.speaker_slug is None


def test_empty_index_returns_nothing(tmp_path: Path) -> None:
    assert search(tmp_path / "never-built", SearchRequest(q="conseil")).total == 0
    rebuild(tmp_path / "empty", [])
    results = search(
        tmp_path / "empty", SearchRequest(q="conseil", with_facets=True, group_by_session=True)
    )
    assert (results.total, results.hits, results.groups) == (0, [], [])


def test_unpublished_segments_are_excluded(index_dir: Path) -> None:
    assert search(index_dir, SearchRequest(q="confidentiel")).total == 0
    assert search(index_dir, SearchRequest(q="speaker:dupont", with_facets=True)).total == 2
    hidden = search(index_dir, SearchRequest(q="confidentiel", include_unpublished=True))
    assert [h.segment_id for h in hidden.hits] == [5]


def test_warm_searcher_sees_new_commits(index_dir: Path) -> None:
    from index.writer import replace_session
    from tests.index.conftest import make_doc

    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest(q="biodiversité")).total == 0
        replace_session(
            index_dir,
            "london-2020",
            [make_doc(30, "london-2020", "john-smith", 0, "Biodiversité et ville")],
        )
        assert searcher.search(SearchRequest(q="biodiversité")).total == 1
        assert searcher.search(SearchRequest(q="council")).total == 0
