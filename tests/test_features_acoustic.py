"""AcousticFeatures on synthesized WAVs with known pitch; sample-rate and range errors."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opensmile")
pytest.importorskip("soundfile")

from hazumi_sk.datasets import Dialogue  # noqa: E402
from hazumi_sk.features import AcousticFeatures  # noqa: E402
from hazumi_sk.features._demo import write_tone_wav  # noqa: E402

F0 = "A__F0semitoneFrom27.5Hz_sma3nz_amean"


def _semitones(frequency: float) -> float:
    return 12 * np.log2(frequency / 27.5)


def _dialogue(wav, spans, dialogue_id="d1", speaker=None) -> Dialogue:
    table = pd.DataFrame(
        {
            "exchange": range(len(spans)),
            "start_ms": [s[0] for s in spans],
            "end_system_ms": [s[1] for s in spans],
            "end_ms": [s[2] for s in spans],
        }
    )
    return Dialogue(dialogue_id, table, audio_path=wav, speaker=speaker)


@pytest.fixture(scope="module")
def two_tones(tmp_path_factory):
    """1 s silence (system) + 1.5 s of 220 Hz, then 1 s silence + 1.5 s of 330 Hz."""
    wav = tmp_path_factory.mktemp("audio") / "tones.wav"
    write_tone_wav(wav, [(1000, 0), (1500, 220), (1000, 0), (1500, 330)])
    return wav


def test_egemaps_pitch_of_user_segments_is_known(two_tones):
    d = _dialogue(two_tones, [(0, 1000, 2500), (2500, 3500, 5000)])
    X = AcousticFeatures(normalize=None).fit_transform([d])
    assert X.shape == (1, 88) and set(X.modalities) == {"A"}
    column = X.feature_names.tolist().index(F0)
    np.testing.assert_allclose(
        X.values[:, column], [_semitones(220), _semitones(330)], atol=0.3
    )  # 36.0 and 43.0 semitones


def test_is09_has_384_dumpfile_named_features(two_tones):
    d = _dialogue(two_tones, [(0, 1000, 2500)])
    X = AcousticFeatures(feature_set="IS09", normalize=None).fit_transform([d])
    names = X.feature_names.tolist()
    assert len(names) == 384
    assert names[0] == "A__pcm_RMSenergy_sma_max" and names[-1] == "A__F0_sma_de_kurtosis"
    # IS09's F0 is in Hz and 0 in unvoiced frames; the tone is voiced throughout.
    assert X.values[0, names.index("A__F0_sma_amean")] == pytest.approx(220, rel=0.03)


def test_exchange_segment_includes_the_system_silence(two_tones):
    d = _dialogue(two_tones, [(0, 1000, 2500)])
    user = AcousticFeatures(normalize=None).fit_transform([d])
    whole = AcousticFeatures(segment="exchange", normalize=None).fit_transform([d])
    voiced = user.feature_names.tolist().index("A__VoicedSegmentsPerSec")
    # Same single voiced stretch, spread over 2.5 s instead of 1.5 s.
    assert whole.values[0, voiced] < user.values[0, voiced]


def test_per_speaker_normalisation_uses_each_speakers_own_exchanges(two_tones, tmp_path):
    low = tmp_path / "low.wav"
    write_tone_wav(low, [(1000, 0), (1500, 110), (1000, 0), (1500, 165)])
    spans = [(0, 1000, 2500), (2500, 3500, 5000)]
    dialogues = [
        _dialogue(two_tones, spans, "a1", speaker="A"),
        _dialogue(two_tones, spans, "a2", speaker="A"),
        _dialogue(low, spans, "b1", speaker="B"),
    ]
    extractor = AcousticFeatures().fit(dialogues)
    X = extractor.transform(dialogues)
    column = X.feature_names.tolist().index(F0)
    values = X.values[:, column]
    # Speaker A: 36, 43, 36, 43 -> -1, 1, -1, 1; speaker B alone: 24, 31 -> -1, 1.
    np.testing.assert_allclose(values, [-1, 1, -1, 1, -1, 1], atol=0.05)
    # Transforming one speaker alone gives the same numbers: no other speaker leaks in.
    alone = extractor.transform(dialogues[2:]).values[:, column]
    np.testing.assert_allclose(alone, values[4:])


def test_missing_file_and_on_missing_nan(tmp_path):
    d = _dialogue(tmp_path / "none.wav", [(0, 100, 2000)])
    with pytest.raises(FileNotFoundError, match=r"Dialogue 'd1': audio file not found"):
        AcousticFeatures().fit_transform([d])
    X = AcousticFeatures(on_missing="nan").fit_transform([d])
    assert np.isnan(X.values).all()
    (tmp_path / "junk.wav").write_bytes(b"not audio at all")
    bad = _dialogue(tmp_path / "junk.wav", [(0, 100, 2000)])
    with pytest.raises(ValueError, match=r"Dialogue 'd1': cannot read audio file"):
        AcousticFeatures().fit_transform([bad])


def test_exchange_outside_recording_and_too_short_segment(two_tones):
    d = _dialogue(two_tones, [(0, 1000, 2500), (2500, 3500, 9000)])
    with pytest.raises(ValueError, match=r"dialogue 'd1', exchange 1: \[3500, 9000\] ms"):
        AcousticFeatures(normalize=None).fit_transform([d])
    X = AcousticFeatures(normalize=None, on_missing="nan").fit_transform([d])
    assert np.isfinite(X.values[0]).all() and np.isnan(X.values[1]).all()
    short = _dialogue(two_tones, [(0, 1000, 1005)])
    with pytest.raises(ValueError, match=r"exchange 0: segment of 5 ms is too short"):
        AcousticFeatures(normalize=None).fit_transform([short])


def test_sampling_rate_policy(two_tones, tmp_path):
    d = _dialogue(two_tones, [(0, 1000, 2500)])
    with pytest.raises(ValueError, match=r"sampled at 16000 Hz, expected sampling_rate=8000"):
        AcousticFeatures(sampling_rate=8000).fit_transform([d])
    X = AcousticFeatures(sampling_rate=8000, resample=True, normalize=None).fit_transform([d])
    assert X.values[0, X.feature_names.tolist().index(F0)] == pytest.approx(36, abs=0.3)
    low = tmp_path / "low_rate.wav"
    write_tone_wav(low, [(1000, 440)], rate=4000)
    with pytest.raises(ValueError, match="at least 8000 Hz"):
        AcousticFeatures().fit_transform([_dialogue(low, [(0, 0, 1000)])])
    with pytest.raises(ValueError, match="resample=True needs"):
        AcousticFeatures(resample=True).fit([d])


@pytest.mark.parametrize(
    "params, message",
    [
        ({"feature_set": "IS99"}, "feature_set must be one of"),
        ({"feature_set": "/no/such.conf"}, "config file not found"),
        ({"normalize": "global"}, "'normalize' parameter of AcousticFeatures must be"),
        ({"segment": "system"}, "'segment' parameter of AcousticFeatures must be"),
        ({"sampling_rate": 100}, r"'sampling_rate' parameter .* \[8000, inf\) or None"),
    ],
)
def test_bad_parameters(two_tones, params, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        AcousticFeatures(**params).fit([_dialogue(two_tones, [(0, 1000, 2500)])])


def test_pickle_round_trip(two_tones):
    d = _dialogue(two_tones, [(0, 1000, 2500)])
    fitted = AcousticFeatures(normalize=None).fit([d])
    again = pickle.loads(pickle.dumps(fitted))
    assert again.transform([d]).equals(fitted.transform([d]))
