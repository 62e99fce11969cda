"""Each query form a researcher types, checked by what it finds in the small archive."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.notices import Notice, NoticeCode
from index.query import malformation
from index.search import SearchRequest, search

# Syntax problems: the query was searched as plain words.
SYNTAX_NOTICES = {
    NoticeCode.UNREADABLE,
    NoticeCode.UNCLOSED_QUOTE,
    NoticeCode.UNBALANCED,
    NoticeCode.NOTHING_TO_COMBINE,
    NoticeCode.OPERATORS_IN_A_ROW,
    NoticeCode.EMPTY_FIELD,
}


def found(index_dir: Path, q: str, **filters) -> set[int]:
    """Return the segment ids a query finds (all pages)."""
    results = search(index_dir, SearchRequest(q=q, page_size=100, **filters))
    assert results.notice is None, results.notice
    return {hit.segment_id for hit in results.hits}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("expérimentations Lyon", {2, 4}),  # all words must match by default
        ("expérimentations Paris", {4}),
        ("seance", {1}),
        ('"conseil municipal"', {1}),  # exact phrase
        ('"municipal conseil"', set()),  # ... in that order
        ('"la séance du conseil"', {1}),  # stop words inside a phrase
        ("végétalisation OR budget", {11, 12}),
        ("expérimentations -Paris", {2, 11}),  # exclusion
        ("expérimentations NOT Paris", {2, 11}),
        ("peut-être", set()),  # a hyphen inside a word is not an exclusion
        ("végétal*", {11}),  # prefix
        ("expérim*", {2, 4, 11, 20}),  # prefixes match words in any language
        ("expérimentations*", {2, 4}),  # a prefix longer than the stem still matches
        ("urbanis*", {3, 10}),
        ("council", {20, 21}),  # English segments are stemmed as English
        ("le conseil", {1, 12}),  # a French stop word does not exclude French segments
    ],
)
def test_text_forms(index_dir: Path, q: str, expected: set[int]) -> None:
    assert found(index_dir, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("speaker:marie-curie expérimentations", {2, 4}),  # slug
        ("speaker:curie", {2, 4, 12}),  # a word of the name
        ('speaker:"Marie Curie" Lyon', {2, 4}),
        ("orateur:dupont", {1, 3}),  # French alias
        ("org:lyon", {2, 4, 12}),  # affiliation at that session
        ('org:"ville de paris"', {10, 11}),
        ("org:cnrs Paris", {3}),
        ("session:urbanisme-2019 expérimentation", {11}),
        ("series:ateliers", {10, 11, 12}),
        ("series:conseil-municipal council", {20, 21}),
        ("year:2019", {10, 11, 12}),
        ("year:2018-2019 Paris", {3, 4}),
        ("year:[2019 TO 2020] conseil", {12}),
        ("date:2018-03 Lyon", {2, 4}),
        ("date:[2019-01-01 TO 2020-12-31] conseil", {12}),
        ("date:[2018 TO 2019] Paris", {3, 4}),
        ("date:>2019-01-01 planning", {20}),
    ],
)
def test_field_forms(index_dir: Path, q: str, expected: set[int]) -> None:
    assert found(index_dir, q) == expected


def test_request_filters_use_exact_slugs(index_dir: Path) -> None:
    assert found(index_dir, "expérimentations", speaker="marie-curie") == {2, 4}
    assert found(index_dir, "expérimentation", session="urbanisme-2019") == {11}
    assert found(index_dir, "", series="ateliers") == {10, 11, 12}
    assert found(index_dir, "Paris", date_from="2018-01-01", date_to="2018-12-31") == {3, 4}
    assert found(index_dir, "conseil", year=2019) == {12}


def test_unknown_speaker_says_so(index_dir: Path) -> None:
    results = search(index_dir, SearchRequest(q="speaker:nobody"))
    assert results.total == 0
    assert results.notice == Notice(NoticeCode.UNRESOLVED, {"values": "speaker:nobody"})


@pytest.mark.parametrize(
    "q",
    [
        '"unclosed phrase',
        "AND OR (",
        "speaker:",
        "((( conseil",
        "conseil )",
        "conseil AND",
        "OR conseil",
        "[2018 TO",
        "year:[2018 TO 2019",
        'date:"',
    ],
)
def test_malformed_query_falls_back_with_notice(index_dir: Path, q: str) -> None:
    results = search(index_dir, SearchRequest(q=q))
    assert results.notice and results.notice.code in SYNTAX_NOTICES
    assert malformation(q) is not None


def test_malformed_query_still_searches_its_words(index_dir: Path) -> None:
    results = search(index_dir, SearchRequest(q='"conseil municipal'))
    assert {hit.segment_id for hit in results.hits} == {1}
    assert results.notice


def test_huge_query_is_cut_with_notice(index_dir: Path) -> None:
    results = search(index_dir, SearchRequest(q="conseil " * 1300))  # about 10 kB
    assert results.notice == Notice(NoticeCode.TOO_LONG)
    assert {hit.segment_id for hit in results.hits} == {1, 12}


@pytest.mark.parametrize(
    "q", ["*", "?", "-", "+", "^", "~", ":", "::", "a:b:c", "\\", "<>", "\x00", "NOT NOT", "é*"]
)
def test_odd_input_never_raises(index_dir: Path, q: str) -> None:
    results = search(index_dir, SearchRequest(q=q))
    assert results.total >= 0


def test_only_stop_words_says_so(index_dir: Path) -> None:
    results = search(index_dir, SearchRequest(q="le la les"))
    assert results.total == 0
    assert results.notice == Notice(NoticeCode.ONLY_COMMON_WORDS)


def test_well_formed_queries_are_not_flagged() -> None:
    for q in [
        '"a b" c',
        "a OR b",
        "-a b",
        "NOT a",
        "speaker:x",
        "(a OR b) c",
        "year:[2018 TO 2019]",
    ]:
        assert malformation(q) is None, q


def test_unknown_speaker_with_words_finds_nothing(index_dir: Path) -> None:
    results = search(index_dir, SearchRequest(q="speaker:nobody conseil"))
    assert results.total == 0
    assert results.notice == Notice(NoticeCode.UNRESOLVED, {"values": "speaker:nobody"})


def test_excluding_an_unknown_word_keeps_the_rest(index_dir: Path) -> None:
    assert found(index_dir, "végétalisation -zzzz") == {11}
    results = search(index_dir, SearchRequest(q="végétalisation -speaker:nobody"))
    assert [h.segment_id for h in results.hits] == [11]
