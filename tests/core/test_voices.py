from __future__ import annotations

import numpy as np

from core.voices import mean_embedding, pack_embedding, unpack_embedding, voice_name


def test_unnamed_voices_are_numbered_in_the_transcript_language() -> None:
    assert voice_name("2", "fr") == "Intervenant 2"
    assert voice_name("2", "en") == "Speaker 2"
    assert voice_name("3", "de") == "Speaker 3"


def test_an_embedding_round_trips_normalised_so_cosine_is_a_dot_product() -> None:
    stored = unpack_embedding(pack_embedding([3.0, 4.0]))
    assert np.allclose(stored, [0.6, 0.8])
    assert len(pack_embedding(np.ones(256))) == 256 * 4


def test_a_voiceprint_leans_towards_the_voice_heard_longest() -> None:
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    print_ = mean_embedding([a, b], [3.0, 1.0])
    assert print_[0] > print_[1]
    assert np.isclose(np.linalg.norm(print_), 1.0)
