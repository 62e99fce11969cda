"""`archive search` finds words that a transcript's segment cut separates (issue 9)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import SEED_MANIFEST, SESSION4
from tests.support import media_factory

NAMES = {"gilles-jeannot": "Gilles Jeannot", "arnaud-brun": "Arnaud Brun"}


def _segment(start: float, speaker: str, timed: list[tuple[float, str]]) -> dict:
    return {
        "start": start,
        "end": timed[-1][0] + 0.3,
        "text": " ".join(w for _, w in timed),
        "speaker": speaker,
        "speaker_name": NAMES[speaker],
        "words": [{"start": s, "end": s + 0.3, "word": w} for s, w in timed],
    }


# Whisper's own cut, mid-sentence: "…car les comportements" | "des conducteurs ne peut…".
TRANSCRIPT = {
    "segments": [
        _segment(
            0.0,
            "gilles-jeannot",
            [(0.0, "La"), (0.4, "sécurité"), (1.0, "routière"), (1.6, "change"), (2.2, "car")]
            + [(2.6, "les"), (3.1, "comportements")],
        ),
        _segment(
            4.2,
            "gilles-jeannot",
            [(4.2, "des"), (4.5, "conducteurs"), (5.3, "ne"), (5.5, "peut"), (5.8, "être")]
            + [(6.1, "ignoré")],  # no full stop: only the change of speaker ends the turn
        ),
        _segment(7.0, "arnaud-brun", [(7.0, "Les"), (7.3, "conducteurs"), (8.0, "ralentissent.")]),
    ]
}


def run(home: Path, *args: str) -> str:
    """Invoke `archive --home home ARGS`, insist that it succeeded, return its stdout."""
    result = CliRunner().invoke(main, ["--home", str(home), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive whose session 4 has the cut transcript."""
    monkeypatch.delenv("ARCHIVE_HOME", raising=False)
    home = tmp_path / "home"
    run(home, "import", str(SEED_MANIFEST))
    transcript = tmp_path / "cut.json"
    transcript.write_text(json.dumps(TRANSCRIPT, ensure_ascii=False), encoding="utf-8")
    recording = media_factory.tone_video(tmp_path / "séance.mp4", seconds=1)
    run(home, "ingest", str(recording), "--session", SESSION4, "--transcript", str(transcript))
    return home


def test_search_finds_words_across_a_segment_cut_once(home: Path) -> None:
    for q in ("comportement des conducteurs", '"comportement des conducteurs"'):
        found = json.loads(run(home, "search", q, "--json"))
        assert found["total"] == 1, q
        (hit,) = found["hits"]
        assert (hit["start"], hit["speaker"]) == (3.1, "gilles-jeannot")  # "comportements"
        assert hit["url"] == f"/sessions/{SESSION4}?t=3"
    # Across the change of speaker the words are not one phrase (documented).
    assert json.loads(run(home, "search", '"ignoré les conducteurs"', "--json"))["total"] == 0
    plain = run(home, "search", "comportement des conducteurs")
    assert plain.count("comportements") == 1


def test_the_session_page_marks_each_matched_word_in_the_line_it_was_said(home: Path) -> None:
    from portal import create_app

    client = create_app({"ARCHIVE_HOME": str(home), "TESTING": True}).test_client()
    page = client.get(f"/sessions/{SESSION4}?t=3&q=comportement+des+conducteurs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    lines = dict(re.findall(r'<p class="ln[^"]*" data-s="(\d+)"[^>]*>(.*?)</p>', html))
    # Both halves of the phrase are marked, each in the transcript line it was
    # said in: the second segment's "conducteurs" too, though the hit is named
    # by the first.
    assert "<mark>comportements</mark>" in lines["0"]
    assert "<mark>conducteurs</mark>" in lines["4200"]
