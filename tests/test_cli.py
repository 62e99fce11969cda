"""The `archive` command line, as an archivist uses it (no Whisper: transcripts come as files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from tests.conftest import SEED_MANIFEST, SESSION4, seed_overlay
from tests.support import media_factory

REPO = Path(__file__).resolve().parents[1]

SESSION1 = "2017-01-27-politiques-de-la-ville-intelligente"
# Our JSON export shape: explicit word timings, speakers by catalogue slug.
TRANSCRIPT = {
    "segments": [
        {
            "start": 0.0,
            "end": 1.5,
            "text": "Bonjour et bienvenue à cette séance.",
            "speaker": "gilles-jeannot",
            "speaker_name": "Gilles Jeannot",
            "confidence": 0.9,
            "words": [
                {"start": s, "end": s + 0.2, "word": w, "probability": 0.9}
                for s, w in [
                    (0.0, "Bonjour"),
                    (0.25, "et"),
                    (0.45, "bienvenue"),
                    (0.7, "à"),
                    (0.9, "cette"),
                    (1.1, "séance."),
                ]
            ],
        },
        {
            "start": 1.6,
            "end": 2.9,
            "text": "Nos capteurs mesurent la pollution.",
            "speaker": "arnaud-brun",
            "speaker_name": "Arnaud Brun",
            "confidence": 0.8,
            "words": [
                {"start": s, "end": s + 0.2, "word": w, "probability": 0.8}
                for s, w in [
                    (1.6, "Nos"),
                    (1.85, "capteurs"),
                    (2.1, "mesurent"),
                    (2.35, "la"),
                    (2.6, "pollution."),
                ]
            ],
        },
        {
            "start": 3.0,
            "end": 3.8,
            "text": "Une question sur la pollution ?",
            "speaker": None,
            "speaker_name": None,
        },
    ]
}


def run(home: Path, *args: str, ok: bool = True) -> Result:
    """Invoke `archive --home home ARGS`; by default insist that it succeeded."""
    result = CliRunner().invoke(main, ["--home", str(home), *args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def assert_refused(result: Result, *fragments: str, code: int = 1) -> None:
    """A refusal is a clear message on stderr and an exit code, never a traceback."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in {result.stderr!r}"


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Short, distinct H.264 recordings (distinct bytes, so none is a duplicate of another)."""
    folder = tmp_path_factory.mktemp("cli-media")
    return [
        media_factory.tone_video(folder / f"séance {n}.mp4", seconds=1 + n / 10) for n in range(3)
    ]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive home with the seed manifest imported."""
    monkeypatch.delenv("ARCHIVE_HOME", raising=False)
    run(tmp_path / "home", "import", str(SEED_MANIFEST))
    return tmp_path / "home"


@pytest.fixture
def transcript_json(tmp_path: Path) -> Path:
    path = tmp_path / "transcript.json"
    path.write_text(json.dumps(TRANSCRIPT, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def ingested(home: Path, recordings: list[Path], transcript_json: Path) -> Path:
    """The home with session 4's recording ingested from an existing transcript."""
    result = run(
        home,
        "ingest",
        str(recordings[0]),
        "--session",
        SESSION4,
        "--transcript",
        str(transcript_json),
    )
    assert f"Ingested into session '{SESSION4}': transcript version 1, 3 segments" in result.stdout
    return home


def test_import_lists_sessions_and_reimport_updates(tmp_path: Path, home: Path) -> None:
    rows = json.loads(run(home, "sessions", "--json").stdout)
    assert [(r["slug"], r["date"]) for r in rows] == [
        (SESSION4, "2018-01-29"),
        ("2017-09-19-transparence-generalisee-filtrage-ou-deformation", "2017-09-19"),
        ("2017-05-04-modeles-et-big-data", "2017-05-04"),
        (SESSION1, "2017-01-27"),
    ]
    assert rows[-1]["title"] == "Les politiques de la « ville intelligente »"
    result = run(home, "import", str(seed_overlay(tmp_path / "o.yaml", {"arnaud-brun": "0:01"})))
    assert "1 series, 10 people, 4 sessions updated" in result.stdout
    assert len(json.loads(run(home, "sessions", "--json").stdout)) == 4


def test_invalid_manifest_is_refused_and_changes_nothing(tmp_path: Path, home: Path) -> None:
    before = run(home, "sessions", "--json").stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"sessions:\n  - slug: {SESSION4}\n    title: Renamed\n    date: 2018-02-30\n"
        "  - slug: new-one\n    title: New\n    series: nowhere\n",
        encoding="utf-8",
    )
    assert_refused(
        run(home, "import", str(bad), ok=False),
        str(bad),
        f"sessions[1] ({SESSION4})",
        "'date'",
        "2018-02-30",
    )
    assert run(home, "sessions", "--json").stdout == before
    bad.write_text(
        f"sessions:\n  - slug: {SESSION4}\n    title: Renamed\n"
        "  - slug: new-one\n    title: New\n    series: nowhere\n",
        encoding="utf-8",
    )
    assert_refused(run(home, "import", str(bad), ok=False), "series 'nowhere' is not defined")
    assert run(home, "sessions", "--json").stdout == before


def test_exports_in_every_format(ingested: Path) -> None:
    vtt = run(ingested, "export", SESSION4, "--format", "vtt").stdout
    assert vtt.startswith("WEBVTT")
    assert "<v Gilles Jeannot>Bonjour et bienvenue à cette séance." in vtt
    assert "<v Arnaud Brun>Nos capteurs mesurent la pollution." in vtt
    srt = run(ingested, "export", SESSION4, "--format", "srt").stdout
    # A caption stays up until the next when its speech is too fast to read (1.5 s here).
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,600\nGilles Jeannot:\nBonjour et")
    txt = run(ingested, "export", SESSION4, "--format", "txt").stdout
    paragraphs = txt.rstrip("\n").split("\n\n")
    assert "[00:00:00] Gilles Jeannot\nBonjour et bienvenue à cette séance." in paragraphs
    assert "[00:00:01] Arnaud Brun\nNos capteurs mesurent la pollution." in paragraphs
    assert "Une question sur la pollution ?" in paragraphs  # unknown speaker: no header line
    assert txt.count("[00:") == 2
    document = json.loads(run(ingested, "export", SESSION4, "--format", "json").stdout)
    first, second, third = document["segments"]
    assert (first["speaker"], first["confidence"]) == ("gilles-jeannot", 0.9)
    assert second["words"][1] == {
        "start": 1.85,
        "end": 2.05,
        "word": "capteurs",
        "probability": 0.8,
    }
    assert third["speaker"] is None and third["words"]  # imported without words: estimated
    assert run(ingested, "export", SESSION4).stdout == vtt  # vtt is the default


def test_search_json_contract(ingested: Path) -> None:
    found = json.loads(run(ingested, "search", "capteurs", "--json").stdout)
    assert found["total"] == 1
    hit = found["hits"][0]
    assert {k: hit[k] for k in ("session", "start", "end", "speaker", "text", "url")} == {
        "session": SESSION4,
        "start": 1.85,
        "end": 2.9,
        "speaker": "arnaud-brun",
        "text": "Nos capteurs mesurent la pollution.",
        "url": f"/sessions/{SESSION4}?t=1",
    }
    both = json.loads(run(ingested, "search", "pollution", "--json").stdout)
    assert both["total"] == 2 and {h["speaker"] for h in both["hits"]} == {"arnaud-brun", None}
    by_speaker = json.loads(
        run(ingested, "search", "pollution", "--speaker", "arnaud-brun", "--json").stdout
    )
    assert [h["start"] for h in by_speaker["hits"]] == [2.6]
    elsewhere = json.loads(
        run(ingested, "search", "pollution", "--session", SESSION1, "--json").stdout
    )
    assert elsewhere == {**elsewhere, "total": 0, "hits": []}
    folded = json.loads(run(ingested, "search", "seance", "--json").stdout)
    assert [h["start"] for h in folded["hits"]] == [1.1]  # "séance", found without its accent


@pytest.mark.parametrize("query", ['"unclosed', "AND", "*", "(", "speaker:", "a OR", "~", ":"])
def test_odd_queries_never_crash(ingested: Path, query: str) -> None:
    result = run(ingested, "search", query, "--json", ok=False)
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert isinstance(json.loads(result.stdout)["total"], int)


def test_search_notices_are_sentences_not_codes(ingested: Path) -> None:
    result = run(ingested, "search", '"capteurs')
    assert "The query could not be read (a quotation mark is not closed)" in result.stderr
    assert "unclosed_quote" not in result.output


def test_search_all_prints_a_concordance_in_csv_and_json(
    ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv
    import io

    result = run(ingested, "search", "séance OR pollution", "--all", "--format", "csv")
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    text = result.stdout_bytes[3:].decode("utf-8")
    assert "\r\n" in text  # RFC 4180 line ends
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["session"], r["time"], r["speaker"]) for r in rows] == [
        (SESSION4, "0:01", "Gilles Jeannot"),
        (SESSION4, "0:02", "Arnaud Brun"),
        (SESSION4, "0:03", ""),
    ]
    assert rows[0]["text"] == "Bonjour et bienvenue à cette séance."
    assert rows[0]["url"] == f"/sessions/{SESSION4}?t=1"
    listed = json.loads(run(ingested, "search", "pollution", "--all", "--format", "json").stdout)
    assert [r["start_s"] for r in listed] == [2, 3] and listed[0]["date"]
    assert run(ingested, "search", "pollution", "--all").stdout_bytes.startswith(b"\xef\xbb\xbf")
    monkeypatch.setenv("ARCHIVE_CONCORDANCE_MAX_ROWS", "1")
    capped = run(ingested, "search", "pollution", "--all", "--format", "json")
    assert len(json.loads(capped.stdout)) == 1
    assert "2 passages match; only the first 1 are listed" in capped.stderr
    assert_refused(run(ingested, "search", "x", "--format", "csv", ok=False), "--all")


def test_long_query_is_cut_as_the_portal_cuts_it_with_a_notice(ingested: Path) -> None:
    # Whole words up to the limit are searched, as on the portal; the rest is said to be left out.
    result = run(ingested, "search", "capteurs " + "pollution " * 1000 + "absent", "--json")
    assert json.loads(result.stdout)["total"] == 1
    assert "only its beginning (the first 500 characters) was searched" in result.stderr


def test_query_length_limit_is_the_portal_setting(
    ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVE_MAX_QUERY_CHARS", "20")
    result = run(ingested, "search", "pollution capteurs zzzzzzzzzz", "--json")
    assert json.loads(result.stdout)["total"] == 1  # "zzzzzzzzzz" is past the 20th character
    assert "the first 20 characters" in result.stderr


def test_query_starting_with_a_dash_follows_double_dash(ingested: Path) -> None:
    assert_refused(run(ingested, "search", "-pollution", ok=False), "No such option", code=2)
    found = json.loads(run(ingested, "search", "--json", "--", "-pollution bienvenue").stdout)
    assert [h["text"] for h in found["hits"]] == ["Bonjour et bienvenue à cette séance."]
    assert 'archive search -- "-pollution capteurs"' in run(ingested, "search", "--help").stdout


def test_reindex_rebuilds_a_lost_index(ingested: Path) -> None:
    import shutil

    shutil.rmtree(ingested / "index")
    assert json.loads(run(ingested, "search", "capteurs", "--json").stdout)["total"] == 0
    assert "Indexed 3 segments" in run(ingested, "reindex").stdout
    assert json.loads(run(ingested, "search", "capteurs", "--json").stdout)["total"] == 1


def test_damaged_index_gets_a_message_not_a_traceback(ingested: Path, tmp_path: Path) -> None:
    (ingested / "index" / "CURRENT").write_text("garbage")
    assert_refused(run(ingested, "search", "capteurs", ok=False), "corrupt", "reindex")
    overlay = seed_overlay(tmp_path / "o.yaml", {"arnaud-brun": "0:00:01"})
    refused = run(ingested, "import", str(overlay), ok=False)
    assert_refused(refused, "search index could not be updated", "archive reindex")
    assert "4 sessions updated" in refused.stderr  # the catalogue itself was imported


def test_programme_offsets_attribute_an_unlabelled_transcript(
    home: Path, tmp_path: Path, recordings: list[Path]
) -> None:
    run(
        home,
        "import",
        str(
            seed_overlay(
                tmp_path / "offsets.yaml",
                {"gilles-jeannot": "0:00:00", "pierre-saulnier": "0:00:02"},
            )
        ),
    )
    vtt = tmp_path / "plain.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00.000 --> 00:01.500\nOuverture du séminaire.\n\n"
        "00:02.000 --> 00:03.000\nNotre application citoyenne.\n",
        encoding="utf-8",
    )
    run(home, "ingest", str(recordings[1]), "--session", SESSION4, "--transcript", str(vtt))
    hits = json.loads(run(home, "search", "application", "--json").stdout)["hits"]
    assert [h["speaker"] for h in hits] == ["pierre-saulnier"]
    assert 2.0 < hits[0]["start"] < 3.0  # the second word of a cue without word timings
    txt = run(home, "export", SESSION4, "--format", "txt").stdout
    assert "[00:00:00] Gilles Jeannot" in txt and "[00:00:02] Pierre Saulnier" in txt


def test_ingest_without_session_makes_a_draft_named_after_the_file(
    home: Path, recordings: list[Path], transcript_json: Path
) -> None:
    result = run(
        home, "ingest", str(recordings[2]), "--language", "FR", "--transcript", str(transcript_json)
    )
    assert "Ingested into session 'seance-2' (draft)" in result.stdout
    draft = next(
        r for r in json.loads(run(home, "sessions", "--json").stdout) if r["slug"] == "seance-2"
    )
    assert (draft["title"], draft["published"], draft["language"]) == ("séance 2", False, "fr")
    assert json.loads(run(home, "search", "capteurs", "--json").stdout)["total"] == 0
    drafts = json.loads(run(home, "search", "capteurs", "--drafts", "--json").stdout)
    assert [h["session"] for h in drafts["hits"]] == ["seance-2"]


def test_duplicate_is_refused_then_forced_and_unfinished_run_resumes(
    home: Path, recordings: list[Path], transcript_json: Path
) -> None:
    blocker = home / "exports" / SESSION4
    blocker.parent.mkdir(parents=True)
    blocker.write_text("")  # exports cannot be written: the run fails after storing
    args = (
        "ingest",
        str(recordings[0]),
        "--session",
        SESSION4,
        "--transcript",
        str(transcript_json),
    )
    assert_refused(run(home, *args, ok=False), "ingest failed at step 'export'")
    blocker.unlink()
    resumed = run(home, *args)
    assert "Resuming unfinished job" in resumed.stderr
    assert "transcript version 1, 3 segments" in resumed.stdout
    assert_refused(run(home, *args, ok=False), "already ingested", SESSION4, "--force")
    forced = run(home, *args, "--force")
    assert "transcript version 2" in forced.stdout
    assert run(home, "export", SESSION4, "--version", "1").stdout.count("-->") == 3


def test_wrong_arguments_get_a_message_not_a_traceback(
    home: Path, tmp_path: Path, recordings: list[Path]
) -> None:
    text_file = media_factory.text_as_mp4(tmp_path / "notes.mp4")
    bad_vtt = tmp_path / "bad.vtt"
    bad_vtt.write_text("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nà l'envers\n", encoding="utf-8")
    media = str(recordings[0])
    cases = [
        (("ingest", str(tmp_path / "absent.mp4")), 1, ["absent.mp4", "not found"]),
        (("ingest", media, "--session", "inconnue"), 1, ["no session 'inconnue'"]),
        (("ingest", media, "--language", "french"), 2, ["--language", "'french'"]),
        (("ingest", str(text_file)), 1, ["notes.mp4"]),
        (("ingest", media, "--transcript", str(bad_vtt)), 1, ["bad.vtt", "line"]),
        (("export", "inconnue"), 1, ["no session 'inconnue'"]),
        (("export", SESSION1), 1, [SESSION1, "no transcript"]),
        (("export", SESSION4, "--format", "pdf"), 2, ["'pdf'"]),
        (("export", SESSION4, "--version", "0"), 2, ["--version"]),
        (("import", str(tmp_path / "absent.yaml")), 1, ["absent.yaml", "no such file"]),
    ]
    for args, code, fragments in cases:
        assert_refused(run(home, *args, ok=False), *fragments, code=code)
    # None of these left a recording or a draft behind.
    rows = json.loads(run(home, "sessions", "--json").stdout)
    assert len(rows) == 4 and not any(r["segments"] for r in rows)
    assert not any((home / "media").iterdir())


def test_export_version_too_large_for_the_catalogue_is_a_usage_error(ingested: Path) -> None:
    for version in (str(2**63), str(10**30)):
        refused = run(ingested, "export", SESSION4, "--version", version, ok=False)
        assert_refused(refused, "--version", code=2)


def test_console_script_runs_outside_the_test_process(tmp_path: Path) -> None:
    archive = Path(sys.executable).with_name("archive")
    if not archive.exists():
        pytest.skip("the `archive` console script is not installed in this environment")
    home = tmp_path / "home"
    imported = subprocess.run(
        [archive, "--home", home, "import", SEED_MANIFEST],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "4 sessions created" in imported.stdout
    listed = subprocess.run(
        [archive, "--home", home, "sessions", "--json"], capture_output=True, text=True, check=True
    )
    assert len(json.loads(listed.stdout)) == 4
    refused = subprocess.run(
        [archive, "--home", home, "export", "inconnue"], capture_output=True, text=True
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("Error: no session 'inconnue'")


@pytest.mark.parametrize("module", ["cli"])
def test_python_dash_m_honours_home_for_every_command(module: str, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    result = subprocess.run(
        [sys.executable, "-m", module, "--home", str(home), "user", "add", "claire",
         "--password-stdin"],
        input="un mot de passe solide\n", capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (home / "archive.sqlite3").is_file()
    assert not (tmp_path / "instance").exists()  # not the default home beside it


def test_progress_in_a_log_file_is_plain_lines_not_redrawn_bars(
    home: Path, recordings: list[Path], transcript_json: Path, tmp_path: Path
) -> None:
    log = tmp_path / "ingest.log"
    with log.open("w") as stderr:
        subprocess.run(
            [sys.executable, "-m", "cli", "--home", str(home), "ingest", str(recordings[0]),
             "--session", "2018-01-29-start-up-numerique-acteurs-municipaux",
             "--transcript", str(transcript_json)],
            check=True, stdout=subprocess.DEVNULL, stderr=stderr, cwd=REPO,
        )  # fmt: skip
    text = log.read_text(encoding="utf-8")
    assert "\r" not in text  # a redrawn bar would leave carriage returns in the file
    lines = text.splitlines()
    # One readable line per step (and per tenth of a long step), ending at 100 %.
    assert [line.split()[0] for line in lines][:2] == ["probe", "playable"], text
    assert lines[-1].split() == ["done", "100%"], text
    assert len(lines) < 40, "one line per step and tenth, not one per redraw"


def test_unknown_session_is_refused_with_advice_that_fits_the_command(
    home: Path, recordings: list[Path]
) -> None:
    ingest = run(home, "ingest", str(recordings[0]), "--session", "nosuch", ok=False)
    assert_refused(ingest, "no session 'nosuch'", "leave out --session")
    diarize = run(home, "diarize", "nosuch", ok=False)
    assert_refused(diarize, "no session 'nosuch'", "archive import FILE.yaml")
    assert "--session" not in diarize.stderr  # `archive diarize` has no such option
