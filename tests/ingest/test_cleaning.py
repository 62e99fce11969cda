"""Cleaning removes what Whisper invents and keeps what was said."""

from __future__ import annotations

import copy

import pytest

from core.contracts import TranscribedSegment, Word
from core.text import fold_words as fold
from ingest.cleaning import clean_segments, compression_ratio


def seg(text: str, start_ms: int = 0, with_words: bool = False, **metrics) -> TranscribedSegment:
    """Build a segment; with_words gives each token 300 ms and probability 0.5 + i/100."""
    words = []
    if with_words:
        for i, token in enumerate(text.split()):
            begin = start_ms + 300 * i
            words.append(Word(begin, begin + 250, token, 0.5 + i / 100))
    end_ms = words[-1].end_ms if words else start_ms + 1000
    return TranscribedSegment(start_ms, end_ms, text, words, **metrics)


def texts(segments: list[TranscribedSegment]) -> list[str]:
    return [s.text for s in segments]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Sous-titres réalisés par la communauté d'Amara.org", "fr"),
        ("Sous-titres réalisés para la communauté d'Amara.org", "fr"),
        ("SOUS-TITRES RÉALISÉS PAR LA COMMUNAUTÉ D’AMARA.ORG", "fr"),
        ("Sous-titrage ST' 501", "fr"),
        ("sous titrage société radio canada", "fr"),
        ("Sous-titrage Société Radio-Canada.", "fr"),
        ("Merci d'avoir regardé cette vidéo!", "fr"),
        ("merci d avoir regarde cette video", "fr"),
        ("Thanks for watching!", "en"),
        ("Thanks for watching!", "fr"),  # English credits leak into every language
        ("thank you for watching", "en"),
        ("Subtitles by the Amara.org community", "en"),
        ("Untertitel der Amara.org-Community", "de"),
        ("...", "fr"),
        ("   ", "fr"),
        ("♪ ♪", "fr"),
        ("", "en"),
    ],
)
def test_invented_or_empty_segments_are_dropped(text: str, language: str) -> None:
    assert clean_segments([seg(text)], language) == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("  Bonjour   à tous  ", "fr", "Bonjour à tous"),
        ("merci merci merci merci merci merci", "fr", "merci"),
        (
            "C'est important. C'est important. C'est important. C'est important.",
            "fr",
            "C'est important.",
        ),
        (
            "Je vous remercie, je vous remercie, je vous remercie, je vous remercie.",
            "fr",
            "Je vous remercie,",
        ),
        ("Alors la la la la la la la question", "fr", "Alors la question"),
        ("very very very good", "en", "very very very good"),  # three is still speech
        ("Non, non, non.", "fr", "Non, non, non."),
        (
            "Le sous-titrage des vidéos est automatique.",
            "fr",
            "Le sous-titrage des vidéos est automatique.",
        ),
        (
            "Nous passons aux questions. Merci d'avoir regardé cette vidéo.",
            "fr",
            "Nous passons aux questions.",
        ),
        ("Merci à tous.", "fr", "Merci à tous."),
        ("La Camara organise un débat.", "fr", "La Camara organise un débat."),
        (
            "Thanks for watching the demo earlier, Anna.",
            "en",
            "Thanks for watching the demo earlier, Anna.",
        ),
        ("We stop here. Thanks for watching! Questions?", "en", "We stop here. Questions?"),
    ],
)
def test_text_is_cleaned(text: str, language: str, expected: str) -> None:
    assert texts(clean_segments([seg(text)], language)) == [expected]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["Bonjour.", "bonjour", "Au revoir."], ["Bonjour.", "Au revoir."]),
        (["Oui.", "Oui !", "Oui.", "Non."], ["Oui.", "Non."]),
        (["Oui.", "Non.", "Oui."], ["Oui.", "Non.", "Oui."]),  # not consecutive: kept
        (["Bonjour.", "Sous-titrage ST' 501", "Bonjour."], ["Bonjour."]),
    ],
)
def test_consecutive_identical_segments_are_deduplicated(
    given: list[str], expected: list[str]
) -> None:
    segments = [seg(text, start_ms=1000 * i) for i, text in enumerate(given)]
    assert texts(clean_segments(segments, "fr")) == expected


@pytest.mark.parametrize(
    ("metrics", "kept"),
    [
        ({"no_speech_prob": 0.9, "avg_logprob": -1.5}, False),  # silence with a guess
        ({"no_speech_prob": 0.9, "avg_logprob": -0.3}, True),  # confident words: speech
        ({"no_speech_prob": 0.2, "avg_logprob": -1.5}, True),  # unsure words, but speech
        ({"no_speech_prob": 0.61, "avg_logprob": -1.01}, False),
        # Whisper's ratio is per 30 s window; a natural sentence in a bad window stays.
        ({"compression_ratio": 3.1}, True),
    ],
)
def test_probable_non_speech_is_dropped(metrics: dict, kept: bool) -> None:
    segment = seg("Nous allons commencer la séance.", **metrics)
    assert texts(clean_segments([segment], "fr")) == (
        ["Nous allons commencer la séance."] if kept else []
    )


def test_repetitive_text_that_is_no_simple_loop_is_dropped() -> None:
    # A 12-word cycle is longer than any loop collapsed word by word, yet clearly garbage.
    cycle = "la séance numéro un commence la séance numéro deux commence la suite"
    text = " ".join([cycle] * 6)
    assert compression_ratio(text) > 2.4
    assert clean_segments([seg(text), seg("Bonjour.", start_ms=9000)], "fr")[0].text == "Bonjour."


def test_removed_words_leave_text_words_and_times_consistent() -> None:
    segment = seg(
        "Nous passons aux questions. Merci d'avoir regardé cette vidéo.",
        start_ms=5000,
        with_words=True,
    )
    [cleaned] = clean_segments([segment], "fr")
    assert [w.text for w in cleaned.words] == ["Nous", "passons", "aux", "questions."]
    assert cleaned.text == "Nous passons aux questions."
    assert (cleaned.start_ms, cleaned.end_ms) == (5000, 5000 + 900 + 250)
    assert cleaned.confidence == pytest.approx((0.50 + 0.51 + 0.52 + 0.53) / 4)


def test_loop_keeps_the_first_copy_with_its_timing() -> None:
    segment = seg("Alors merci merci merci merci merci fin", start_ms=0, with_words=True)
    [cleaned] = clean_segments([segment], "fr")
    assert [(w.text, w.start_ms) for w in cleaned.words] == [
        ("Alors", 0),
        ("merci", 300),
        ("fin", 1800),
    ]
    assert cleaned.text == "Alors merci fin"


def test_words_of_an_invented_segment_disappear_with_it() -> None:
    segment = seg("Thanks for watching!", with_words=True)
    assert clean_segments([segment], "en") == []


def test_languages_without_spaces_are_rebuilt_without_spaces() -> None:
    words = [
        Word(0, 500, "今日は", 0.9),
        Word(500, 900, "晴れです。", 0.9),
        Word(900, 2000, "ご視聴ありがとうございました", 0.4),
    ]
    segment = TranscribedSegment(0, 2000, "今日は晴れです。ご視聴ありがとうございました", words)
    [cleaned] = clean_segments([segment], "ja")
    assert cleaned.text == "今日は晴れです。"
    assert cleaned.end_ms == 900


def test_input_segments_are_not_modified() -> None:
    given = [seg("  merci merci merci merci  ", with_words=True), seg("Thanks for watching!")]
    before = copy.deepcopy(given)
    clean_segments(given, "fr")
    assert given == before


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Séance d’ouverture !", "seance d ouverture"),
        ("ST' 501", "st 501"),
        ("Amara.org", "amara org"),
        ("  ÉTATS-UNIS  ", "etats unis"),
    ],
)
def test_fold_ignores_case_accents_and_punctuation(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(("confidence", "kept"), [(0.12, False), (0.19, False), (0.35, True)])
def test_noise_decoded_as_words_with_very_low_confidence_is_dropped(
    confidence: float, kept: bool
) -> None:
    noise = seg("Mère Stéphéry.", with_words=True, confidence=confidence)
    assert texts(clean_segments([noise], "fr")) == (["Mère Stéphéry."] if kept else [])


def test_words_in_a_foreign_script_are_removed_from_a_french_transcript() -> None:
    mixed = seg("Le V有點 éte de la ville", with_words=True)
    cleaned = clean_segments([mixed], "fr")
    assert texts(cleaned) == ["Le éte de la ville"]
    assert [w.text for w in cleaned[0].words] == ["Le", "éte", "de", "la", "ville"]
    japanese = seg("東京 です", with_words=True)  # the same script is speech in Japanese
    assert texts(clean_segments([japanese], "ja")) == ["東京 です"]


PROMPT = "Gilles Jeannot, LATTS, François Ménard, PUCA, Pierre Saulnier, Neocity."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Base recites the hot words over the recording's last seconds.
        ("Merci à tous. LATTS, François Ménard, PUCA, Neocity.", "Merci à tous."),
        ("Gilles Jeannot, LATTS, François Ménard, PUCA", ""),
        # A hot word that ends a spoken sentence stays; the list after it goes.
        ("Nous travaillons avec Neocity. LATTS, François Ménard, PUCA, Pierre Saulnier.",
         "Nous travaillons avec Neocity."),
        # Names inside a sentence are speech.
        ("Je remercie François Ménard du PUCA et Gilles Jeannot.",
         "Je remercie François Ménard du PUCA et Gilles Jeannot."),
        ("Bonjour François Ménard.", "Bonjour François Ménard."),
        # One entry said twice is not a list of the programme.
        ("Neocity, Neocity, c'est le nom.", "Neocity, Neocity, c'est le nom."),
    ],
)  # fmt: skip
def test_hot_words_recited_as_a_list_are_removed(text: str, expected: str) -> None:
    for with_words in (False, True):
        kept = clean_segments([seg(text, with_words=with_words)], "fr", PROMPT)
        assert (kept[0].text if kept else "") == expected


def test_without_a_prompt_a_list_of_names_is_kept() -> None:
    text = "LATTS, François Ménard, PUCA, Neocity."
    assert clean_segments([seg(text, with_words=True)], "fr")[0].text == text
