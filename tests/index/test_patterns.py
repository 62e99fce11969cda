"""Prefixes and wildcards cost a bounded expansion, and the user is told when it was bounded.

Hostile patterns (no letter to start from, too many of them, a prefix shared
by too many words) once read the whole dictionary: `**` took 1.4 s on 60,000
segments. They are now ignored or cut, with a notice, and never fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.notices import NoticeCode
from index.search import SearchRequest, search
from index.terms import MAX_PATTERN_WORDS, MAX_PATTERNS, MAX_QUERY_WORDS
from index.writer import rebuild
from tests.index.conftest import corpus_docs, make_doc

# More words sharing a prefix than one pattern is expanded to.
WIDE = 150


@pytest.fixture(scope="module")
def wide_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small archive plus one segment for each word amot000 … amot149."""
    path = tmp_path_factory.mktemp("wide") / "index"
    extra = [
        make_doc(1000 + n, "urbanisme-2019", "paul-martin", 60_000 + 1000 * n, f"amot{n:03d}.")
        for n in range(WIDE)
    ]
    extra.append(
        make_doc(999, "urbanisme-2019", "paul-martin", 50_000, "L'intelligence collective.")
    )
    rebuild(path, corpus_docs() + extra)
    return path


def run(index_dir: Path, q: str):
    """Search `q` for every hit on one page."""
    return search(index_dir, SearchRequest(q=q, page_size=100))


@pytest.mark.parametrize("q", ["*", "**", "?*", "*e* *a*", "?", "*tion", "*e?"])
def test_a_pattern_without_a_literal_start_is_ignored_with_a_notice(index_dir: Path, q: str):
    results = run(index_dir, q)
    assert results.total == 0
    assert results.notice is not None
    assert results.notice.code == NoticeCode.PATTERN_NEEDS_LETTERS
    assert results.notice.params["patterns"] == ", ".join(q.split())


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("conseil *", {1, 12}),  # ignored like a stop word, not "everything"
        ("expérimentations OR *", {2, 4, 11}),
        ("expérimentations -*e*", {2, 4, 11}),
    ],
)
def test_an_ignored_pattern_leaves_the_rest_of_the_query(index_dir: Path, q: str, expected):
    results = run(index_dir, q)
    assert {hit.segment_id for hit in results.hits} == expected
    assert results.notice is not None
    assert results.notice.code == NoticeCode.PATTERN_NEEDS_LETTERS


def test_patterns_after_the_first_few_are_ignored_with_a_notice(index_dir: Path):
    # Segment 4: "Les expérimentations ont échoué à Paris mais pas à Lyon."
    q = "expér* éch* par* lyo* zzz*"
    assert len(q.split()) == MAX_PATTERNS + 1
    results = run(index_dir, q)
    assert {hit.segment_id for hit in results.hits} == {4}
    assert results.notice is not None
    assert results.notice.code == NoticeCode.TOO_MANY_PATTERNS
    assert results.notice.params == {"max": str(MAX_PATTERNS), "patterns": "zzz*"}


@pytest.mark.parametrize("q", ["amot*", "amo?*"])
def test_a_pattern_matching_too_many_words_searches_the_first_ones_with_a_notice(
    wide_index: Path, q: str
):
    results = run(wide_index, q)
    assert results.total == MAX_PATTERN_WORDS
    # Alphabetical order: the first words that match, all of them found.
    first = {1000 + n for n in range(MAX_PATTERN_WORDS)}
    assert {hit.segment_id for hit in results.hits} == first
    assert results.notice is not None
    assert results.notice.code == NoticeCode.PATTERN_LIMITED
    assert results.notice.params == {"patterns": q, "words": str(MAX_PATTERN_WORDS)}


def test_a_one_letter_prefix_is_searched_within_bounds(wide_index: Path):
    results = run(wide_index, "a*")
    assert results.hits
    assert results.notice is not None and results.notice.code == NoticeCode.PATTERN_LIMITED


def test_several_patterns_share_the_query_budget_and_each_still_matches(wide_index: Path):
    results = run(wide_index, "amot* OR amo?* OR intellig*")
    share = MAX_QUERY_WORDS // 3
    assert {hit.segment_id for hit in results.hits} == {999} | {1000 + n for n in range(share)}
    assert results.notice is not None
    assert results.notice.params == {"patterns": "amot*, amo?*", "words": str(share)}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("intellig*", {999}),
        ("amot14*", {1140 + n for n in range(10)}),  # more letters: every word, no notice
        ("amot1?9", {1109, 1119, 1129, 1139, 1149}),
        ("urbanis*", {3, 10}),
    ],
)
def test_a_specific_pattern_finds_all_its_words_without_notice(wide_index: Path, q, expected):
    results = run(wide_index, q)
    assert results.notice is None, results.notice
    assert {hit.segment_id for hit in results.hits} == expected


@pytest.mark.parametrize("q", ["plain:*e*", "text_fr:*e*", "id:*1*"])
def test_naming_an_internal_field_does_not_escape_the_bounds(index_dir: Path, q: str):
    results = run(index_dir, q)
    assert results.total == 0
    assert results.notice is not None
    assert results.notice.code == NoticeCode.PATTERN_NEEDS_LETTERS


@pytest.mark.parametrize("q", ["[amot000 TO amot999]", "plain:[amot000 TO amot999]"])
def test_a_range_of_words_is_bounded_like_a_pattern(wide_index: Path, q: str):
    results = run(wide_index, q)
    assert {hit.segment_id for hit in results.hits} == {1000 + n for n in range(MAX_PATTERN_WORDS)}
    assert results.notice is not None
    assert results.notice.code == NoticeCode.PATTERN_LIMITED
    assert results.notice.params["patterns"] == "[amot000 TO amot999]"


def test_date_ranges_are_not_bounded(index_dir: Path):
    # Dates are bounded by the calendar; a year is 365 of them, more than a pattern's words.
    results = run(index_dir, "date:[2018-01-01 TO 2019-12-31]")
    assert results.notice is None
    assert {hit.segment_id for hit in results.hits} == {1, 2, 3, 4, 10, 11, 12}
