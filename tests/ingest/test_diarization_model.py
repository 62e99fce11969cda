"""The voice encoder reproduces Resemblyzer without torch, from verified weights.

The reference figures were computed once with the real Resemblyzer 0.1.4 on
torch 2.14 CPU and librosa 0.11 (see the README, "Speakers found by voice").
"""

from __future__ import annotations

import io
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks.diarization import hungarian
from ingest.diarization.encoder import embed_partials
from ingest.diarization.features import mel_spectrogram
from ingest.diarization.weights import REQUIREMENT, load_weights, read_torch_legacy, weights_path
from ingest.errors import ModelError


def _test_signal() -> np.ndarray:
    t = np.arange(25_600) / 16_000
    voiced = 0.2 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t))
    chirp = 0.05 * np.sin(2 * np.pi * (400 * t + 900 * t**2))
    return (voiced + chirp).astype(np.float32)


def test_weights_are_the_lstm_resemblyzer_trained() -> None:
    weights = load_weights()
    assert weights["lstm.weight_ih_l0"].shape == (1024, 40)
    for layer in (0, 1, 2):
        assert weights[f"lstm.weight_hh_l{layer}"].shape == (1024, 256)
    assert weights["linear.weight"].shape == (256, 256)
    assert all(w.dtype == np.float32 for w in weights.values())


def test_mel_features_match_librosa() -> None:
    mel = mel_spectrogram(_test_signal())
    assert mel.shape == (161, 40)
    # librosa.feature.melspectrogram(sr=16000, n_fft=400, hop_length=160, n_mels=40), bands 0..30
    expected = [16.02523, 1.86824, 2.06917, 2.10177, 0.00056]
    assert mel.sum(axis=0)[[0, 5, 10, 20, 30]] == pytest.approx(expected, rel=1e-4, abs=1e-5)


def test_embedding_matches_resemblyzer_on_torch() -> None:
    embedding = embed_partials(_test_signal_mels())[0]
    top = np.argsort(-embedding)[:5]
    assert top.tolist() == [11, 9, 20, 149, 134]
    assert embedding[top] == pytest.approx([0.31762, 0.23405, 0.23187, 0.22239, 0.20779], abs=1e-4)
    assert int((embedding > 0).sum()) == 92


def _test_signal_mels() -> np.ndarray:
    return mel_spectrogram(_test_signal())[None, :160]


def test_batches_give_the_same_embeddings_as_one_by_one() -> None:
    rng = np.random.default_rng(3)
    mels = rng.random((5, 160, 40), dtype=np.float32)
    together = embed_partials(mels, batch=5)
    alone = np.concatenate([embed_partials(mels[i : i + 1], batch=1) for i in range(5)])
    assert np.allclose(together, alone, atol=1e-5)


def test_tampered_weights_fail_the_checksum_with_the_fix(tmp_path: Path) -> None:
    copy = tmp_path / "pretrained.pt"
    shutil.copyfile(weights_path(), copy)
    data = bytearray(copy.read_bytes())
    data[-100] ^= 0x01  # one bit of one weight
    copy.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt: expected sha256") as caught:
        load_weights(copy)
    assert REQUIREMENT in str(caught.value)


def test_a_weights_file_cannot_run_code() -> None:
    # A legacy-format header, then a pickle that would call os.system.
    stream = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
        pickle.dump(header, stream, protocol=2)
    stream.write(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R.")
    stream.seek(0)
    with pytest.raises(ModelError, match="os.system, which is not allowed"):
        read_torch_legacy(stream)


def test_a_zip_or_foreign_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="zip archive"):
        read_torch_legacy(io.BytesIO(b"PK\x05\x06" + b"\0" * 18))
    with pytest.raises(ModelError, match="not a torch legacy-format file"):
        read_torch_legacy(io.BytesIO(pickle.dumps(42, protocol=2) * 2))


def test_the_der_mapping_finds_the_best_assignment() -> None:
    # Greedy would pair row 0 with column 0 (9) and lose 8 + 8 elsewhere.
    profit = np.array([[9.0, 8.0, 0.0], [8.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert sorted(hungarian(profit)) == [(0, 1), (1, 0), (2, 2)]
