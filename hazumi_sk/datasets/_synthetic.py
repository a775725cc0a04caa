"""A synthetic Hazumi-like corpus with a known generative story.

The corpus has exactly the structure that :func:`hazumi_sk.datasets.load_hazumi`
returns, so examples, the command line demo and fast tests run without the real
data. Its generative story mirrors the findings the package is built on:

1. every dialogue has a latent *mood*; the exchange-level self-sentiment (SS,
   1-7) follows it as an AR(1) trajectory around it;
2. each of the 18 dialogue-level rapport items (1-8) is a noisy linear function
   of the dialogue's mean SS whose loading is the paper's Table 1 self-sentiment
   correlation (negative items load negatively) and whose mean reproduces the
   paper's high/low split, so the item/SS correlations resemble Table 1;
3. the per-exchange features carry learnable signal about SS: strongly in the
   linguistic (L) and face (V) columns, weakly in acoustics (A), none in body
   (B), so ``L+V`` beats ``L+B`` as in the paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from scipy.special import expit, ndtri
from sklearn.utils import Bunch, check_random_state

from ..sequences import RaggedSequences
from ..vocabulary import KINECT_UPPER_BODY, OPENFACE_ACTION_UNITS, UPOS_TAGS
from ._dialogue import Dialogue
from ._items import RAPPORT_ITEMS

__all__ = ["make_synthetic_hazumi", "SYNTHETIC_FEATURE_DIMS"]

#: Default number of feature columns per modality (the realistic sizes).
SYNTHETIC_FEATURE_DIMS: dict[str, int] = {"A": 88, "L": 785, "B": 20, "V": 58}

#: The paper's Table 1 self-sentiment correlations, used as item loadings on mean SS.
_ITEM_LOADING = {
    "well-coordinated": 0.297,
    "boring": -0.448,
    "cooperative": 0.110,
    "harmonious": 0.309,
    "unsatisfying": -0.289,
    "uncomfortably paced": -0.279,
    "cold": -0.528,
    "awkward": -0.362,
    "engrossing": 0.359,
    "unfocused": -0.261,
    "involving": 0.298,
    "intense": -0.164,
    "friendly": 0.283,
    "active": 0.253,
    "positive": 0.245,
    "dull": -0.453,
    "worthwhile": 0.531,
    "slow": -0.386,
}
#: Share of dialogues rated high (> 4) per item in the public data (paper Table 4 counts / 60).
_ITEM_HIGH_SHARE = {
    "well-coordinated": 38 / 60,
    "boring": 16 / 60,
    "cooperative": 46 / 60,
    "harmonious": 34 / 60,
    "unsatisfying": 14 / 60,
    "uncomfortably paced": 35 / 60,
    "cold": 15 / 60,
    "awkward": 32 / 60,
    "engrossing": 27 / 60,
    "unfocused": 18 / 60,
    "involving": 34 / 60,
    "intense": 23 / 60,
    "friendly": 49 / 60,
    "active": 39 / 60,
    "positive": 46 / 60,
    "dull": 15 / 60,
    "worthwhile": 38 / 60,
    "slow": 33 / 60,
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_RATING_SD = 2.0  # latent spread of a 1-8 rating; the public post ratings have SD 1.8-2.4
_ANNOTATORS = ("F1", "F2", "F3", "F4", "M1")
_DIALOGUE_ACTS = np.array(["qy", "oa", "qw", "op", "pa", "io", "no", "na"])
_DIALOGUE_ACT_P = np.array([0.29, 0.27, 0.24, 0.09, 0.078, 0.02, 0.007, 0.005])
_SYLLABLES = np.array(
    _words(
        "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho "
        "ma mi mu me mo ya yu yo ra ri ru re ro wa n ga gi gu ge go da de do ba bi bu be bo"
    )
)
_SYSTEM_PROMPTS = np.array(
    [
        " konnichiwa, kyou wa yoroshiku onegaishimasu",
        " eiga wa yoku mimasu ka",
        " saikin nani ka oishii mono wo tabemashita ka",
        " sou nan desu ne",
        " ryokou wa suki desu ka",
        " naruhodo",
        " dono you na ongaku wo kikimasu ka",
        " sore wa ii desu ne",
        " supootsu wa nani ka shite imasu ka",
        " kyou wa arigatou gozaimashita",
    ]
)

# Feature-name catalogues (the real extractors' naming schemes).
_EGEMAPS_10 = _words(
    "amean stddevNorm percentile20.0 percentile50.0 percentile80.0 pctlrange0-2 "
    "meanRisingSlope stddevRisingSlope meanFallingSlope stddevFallingSlope"
)
_EGEMAPS_PAIRED = _words(
    "spectralFlux_sma3 mfcc1_sma3 mfcc2_sma3 mfcc3_sma3 mfcc4_sma3 jitterLocal_sma3nz "
    "shimmerLocaldB_sma3nz HNRdBACF_sma3nz logRelF0-H1-H2_sma3nz logRelF0-H1-A3_sma3nz "
    "F1frequency_sma3nz F1bandwidth_sma3nz F1amplitudeLogRelF0_sma3nz F2frequency_sma3nz "
    "F2bandwidth_sma3nz F2amplitudeLogRelF0_sma3nz F3frequency_sma3nz F3bandwidth_sma3nz "
    "F3amplitudeLogRelF0_sma3nz alphaRatioV_sma3nz hammarbergIndexV_sma3nz slopeV0-500_sma3nz "
    "slopeV500-1500_sma3nz spectralFluxV_sma3nz mfcc1V_sma3nz mfcc2V_sma3nz mfcc3V_sma3nz "
    "mfcc4V_sma3nz"
)
_EGEMAPS_SINGLE = _words(
    "alphaRatioUV_sma3nz_amean hammarbergIndexUV_sma3nz_amean slopeUV0-500_sma3nz_amean "
    "slopeUV500-1500_sma3nz_amean spectralFluxUV_sma3nz_amean loudnessPeaksPerSec "
    "VoicedSegmentsPerSec MeanVoicedSegmentLengthSec StddevVoicedSegmentLengthSec "
    "MeanUnvoicedSegmentLength StddevUnvoicedSegmentLength equivalentSoundLevel_dBp"
)
_MOTION_STATS = ("acceleration_max", "velocity_max", "velocity_mean", "velocity_std")
_LANDMARKS = ("17", "21", "22", "26", "36", "45", "48", "51", "54", "57")
#: Action units that go with enjoyment (cheek raiser, lip-corner puller, lips part).
_SMILE_AUS = ("AU06_c_mean", "AU12_c_mean", "AU25_c_mean")


def _egemaps_names() -> list[str]:
    names = [f"F0semitoneFrom27.5Hz_sma3nz_{f}" for f in _EGEMAPS_10]
    names += [f"loudness_sma3_{f}" for f in _EGEMAPS_10]
    names += [f"{lld}_{f}" for lld in _EGEMAPS_PAIRED for f in ("amean", "stddevNorm")]
    return names + list(_EGEMAPS_SINGLE)


def _default_names(modality: str) -> list[str]:
    if modality == "A":
        return _egemaps_names()
    if modality == "L":
        return list(UPOS_TAGS) + [f"bert{j}" for j in range(768)]
    if modality == "B":
        return [f"{joint}_{stat}" for joint in KINECT_UPPER_BODY for stat in _MOTION_STATS]
    landmarks = [f"{mark}_{stat}" for mark in _LANDMARKS for stat in _MOTION_STATS]
    return landmarks + [f"{au}_c_mean" for au in OPENFACE_ACTION_UNITS]


def _feature_names(modality: str, n: int) -> list[str]:
    """The first ``n`` realistic names, padded with ``<modality>_fNNN`` if more are asked."""
    names = _default_names(modality)[:n]
    return names + [f"{modality}_f{j:03d}" for j in range(len(names), n)]


# ----------------------------------------------------------------- validation
def _check_params(n_dialogues, n_exchanges, feature_dims, not_rated_rate, no_features_fraction):
    if not isinstance(n_dialogues, Integral) or n_dialogues < 1:
        raise ValueError(f"n_dialogues must be a positive integer, got {n_dialogues!r}.")
    try:
        low, high = (int(v) for v in n_exchanges)
    except (TypeError, ValueError):
        raise ValueError(
            f"n_exchanges must be a (min, max) pair of integers, got {n_exchanges!r}."
        ) from None
    if not 1 <= low <= high:
        raise ValueError(f"n_exchanges must satisfy 1 <= min <= max, got {n_exchanges!r}.")
    dims = dict(SYNTHETIC_FEATURE_DIMS)
    if feature_dims is not None:
        if not isinstance(feature_dims, Mapping):
            raise ValueError(f"feature_dims must map modality tags to sizes, got {feature_dims!r}.")
        unknown = sorted(set(feature_dims) - set(dims))
        if unknown:
            raise ValueError(f"feature_dims has unknown modality tag(s) {unknown}; use A, L, B, V.")
        dims.update(feature_dims)
    bad = {m: d for m, d in dims.items() if not isinstance(d, Integral) or d < 1}
    if bad:
        raise ValueError(f"feature_dims must be positive integers, got {bad}.")
    for name, value in (
        ("not_rated_rate", not_rated_rate),
        ("no_features_fraction", no_features_fraction),
    ):
        if not isinstance(value, Real) or not 0 <= value < 1:
            raise ValueError(f"{name} must be a number in [0, 1), got {value!r}.")
    return low, high, dims


# ----------------------------------------------------------- generative story
def _draw_sessions(rng, n_dialogues, low, high) -> pd.DataFrame:
    ids = [f"syn{k:03d}" for k in range(1, n_dialogues + 1)]
    return pd.DataFrame(
        {
            "version": "synthetic",
            "sex": rng.choice(["F", "M"], size=n_dialogues, p=[0.58, 0.42]),
            "age_decade": rng.choice([20, 30, 40, 50, 60, 70], size=n_dialogues),
            "n_exchanges": rng.integers(low, high + 1, size=n_dialogues),
            "mood": rng.standard_normal(n_dialogues),
        },
        index=pd.Index(ids, name="dialogue_id"),
    )


def _ar1_rows(rng, lengths: np.ndarray, phi: float) -> np.ndarray:
    """Unit-variance AR(1) noise restarted in every dialogue, stacked row-wise."""
    noise = rng.standard_normal((lengths.size, int(lengths.max())))
    gain = np.sqrt(1 - phi**2)
    noise[:, 0] /= gain  # start in the stationary distribution
    paths = lfilter([gain], [1.0, -phi], noise, axis=1)
    return paths[np.arange(lengths.max())[None, :] < lengths[:, None]]


def _draw_sentiment(rng, sessions: pd.DataFrame, not_rated_rate: float) -> pd.DataFrame:
    """Per-exchange latent sentiment, SS and third-party labels (TS/TC per annotator)."""
    lengths = sessions["n_exchanges"].to_numpy()
    dialogue = np.repeat(np.arange(lengths.size), lengths)
    mood = sessions["mood"].to_numpy()[dialogue]
    fluctuation = 0.95 * _ar1_rows(rng, lengths, 0.5)
    latent = 0.8 * mood + fluctuation
    ss = np.clip(np.rint(4.45 + latent), 1, 7)
    rows = pd.DataFrame(
        {
            "dialogue_id": sessions.index.to_numpy()[dialogue],
            "exchange": np.arange(dialogue.size) - np.repeat(np.cumsum(lengths) - lengths, lengths),
            "latent": latent,
        }
    )
    # Observers see the moment-to-moment ups and downs but hardly the participant's
    # inner mood; how expressive someone looks dominates their dialogue average. So
    # TS follows SS within a dialogue, yet its mean relates weakly to the ratings.
    expressive = rng.standard_normal(lengths.size)[dialogue]
    visible = 0.15 * mood + 0.6 * fluctuation + 0.6 * expressive
    visible += 0.7 * rng.standard_normal(dialogue.size)
    topic = 0.1 * mood + 0.3 * fluctuation + 0.5 * expressive
    topic += 0.9 * rng.standard_normal(dialogue.size)
    not_rated = rng.random(dialogue.size) < not_rated_rate
    rows["SS"] = np.where(not_rated, np.nan, ss)
    rows["SS_excluded"] = not_rated
    for prefix, base in (("TS", visible), ("TC", topic)):
        bias = 0.4 * rng.standard_normal(len(_ANNOTATORS))
        noise = 0.7 * rng.standard_normal((dialogue.size, len(_ANNOTATORS)))
        labels = np.clip(np.rint(4.5 + bias + base[:, None] + noise), 1, 7)
        labels[not_rated] = np.nan  # annotators mark the same exchanges "E"
        for k, annotator in enumerate(_ANNOTATORS):
            rows[f"{prefix}_{annotator}"] = labels[:, k]
        rows[f"{prefix}_mean"] = _nanmean_rows(labels)
    return rows


def _nanmean_rows(values: np.ndarray) -> np.ndarray:
    counts = np.sum(~np.isnan(values), axis=1)
    totals = np.nansum(values, axis=1)
    return np.divide(totals, counts, out=np.full(counts.shape, np.nan), where=counts > 0)


def _standardize(values: np.ndarray) -> np.ndarray:
    spread = np.nanstd(values)
    return (values - np.nanmean(values)) / (spread if spread > 0 else 1.0)


def _draw_item_ratings(rng, driver: np.ndarray, loadings: np.ndarray) -> np.ndarray:
    """1-8 ratings whose latent is ``loading * driver + noise`` around the item's mean."""
    high_share = np.array([_ITEM_HIGH_SHARE[item] for item in RAPPORT_ITEMS])
    # "high" means rounded rating > 4, i.e. latent >= 4.5; put the item mean where that
    # happens with the public data's share.
    means = 4.5 + _RATING_SD * ndtri(high_share)
    noise = rng.standard_normal((driver.size, len(RAPPORT_ITEMS)))
    latent = loadings[None, :] * driver[:, None] + np.sqrt(1 - loadings**2)[None, :] * noise
    return np.clip(np.rint(means[None, :] + _RATING_SD * latent), 1, 8)


def _draw_ratings(rng, sessions: pd.DataFrame, exchanges: pd.DataFrame) -> dict[str, pd.DataFrame]:
    index = sessions.index
    mean_ss = exchanges.groupby("dialogue_id", sort=False)["SS"].mean().reindex(index)
    mean_ts = exchanges.groupby("dialogue_id", sort=False)["TS_mean"].mean().reindex(index)
    loadings = np.array([_ITEM_LOADING[item] for item in RAPPORT_ITEMS])
    # Paper-size loadings are attenuated by rounding and clipping; a small boost compensates.
    post = _draw_item_ratings(
        rng, _standardize(mean_ss.to_numpy()), np.clip(loadings * 1.1, -0.95, 0.95)
    )
    pre = _draw_item_ratings(rng, sessions["mood"].to_numpy(), 0.1 * np.sign(loadings))
    observers = [
        _draw_item_ratings(rng, _standardize(mean_ts.to_numpy()), 0.5 * np.sign(loadings))
        for _ in _ANNOTATORS
    ]
    columns = list(RAPPORT_ITEMS)
    return {
        "ratings_post": pd.DataFrame(post.astype(np.int64), index=index, columns=columns),
        "ratings_pre": pd.DataFrame(pre.astype(np.int64), index=index, columns=columns),
        "ratings_third_party": pd.DataFrame(
            np.mean(observers, axis=0), index=index, columns=columns
        ),
    }


# ------------------------------------------------------------------ utterances
def _draw_utterances(rng, exchanges: pd.DataFrame) -> pd.DataFrame:
    """Romaji utterances (longer when enjoying it, empty ~12 %), prompts and dialogue acts."""
    latent = exchanges["latent"].to_numpy()
    n = latent.size
    empty = rng.random(n) < expit(-2.2 - 0.6 * latent)
    n_words = np.where(empty, 0, 1 + rng.poisson(np.exp(1.3 + 0.35 * latent)))
    vocabulary = _vocabulary()
    words = vocabulary[rng.integers(0, vocabulary.size, size=int(n_words.sum()))]
    bounds = np.concatenate([[0], np.cumsum(n_words)]).tolist()
    user = [" ".join(words[bounds[i] : bounds[i + 1]]) for i in range(n)]
    acts = rng.choice(_DIALOGUE_ACTS, size=n, p=_DIALOGUE_ACT_P / _DIALOGUE_ACT_P.sum())
    # Not-rated exchanges are mostly empty answers or acts without content ("no").
    excluded = exchanges["SS_excluded"].to_numpy()
    acts = np.where(excluded & (rng.random(n) < 0.5), "no", acts)
    user = np.where(excluded & (rng.random(n) < 0.7), "", np.array(user, dtype=object))
    return pd.DataFrame(
        {
            "sys_utterance": rng.choice(_SYSTEM_PROMPTS, size=n),
            "user_utterance": user.astype(str),
            "dialogue_act": acts,
            "n_words": np.where(user == "", 0, n_words),
        },
        index=exchanges.index,
    )


def _vocabulary(size: int = 400) -> np.ndarray:
    """A fixed pseudo-Japanese vocabulary (same for every seed)."""
    rng = np.random.default_rng(1902)
    word_lengths = rng.integers(1, 4, size=size)
    syllables = rng.choice(_SYLLABLES, size=int(word_lengths.sum()))
    words = np.split(syllables, np.cumsum(word_lengths)[:-1])
    return np.unique(np.array(["".join(w) for w in words], dtype=object))


def _draw_times(rng, lengths: np.ndarray, n_words: np.ndarray) -> pd.DataFrame:
    """Contiguous exchanges: system prompt 2-6 s, then the answer (longer with more words)."""
    n = int(lengths.sum())
    system_ms = rng.integers(2000, 6000, size=n)
    durations = system_ms + 800 + 450 * n_words + rng.integers(0, 1500, size=n)
    # Like the real recordings, the first exchange starts 40-185 s into the video.
    first_start = rng.integers(40_000, 185_000, size=lengths.size)
    elapsed = np.cumsum(durations)
    elapsed_before_dialogue = np.repeat(
        np.concatenate([[0], elapsed[np.cumsum(lengths)[:-1] - 1]]), lengths
    )
    start = np.repeat(first_start, lengths) + elapsed - elapsed_before_dialogue - durations
    return pd.DataFrame(
        {"start_ms": start, "end_system_ms": start + system_ms, "end_ms": start + durations}
    )


# -------------------------------------------------------------------- features
#: Noise (in units of the latent's SD) on each modality's view of the sentiment;
#: independent views, so fusing L and V beats L alone while B adds nothing.
_VIEW_NOISE = {"A": 4.0, "L": 1.0, "B": np.inf, "V": 1.3}
_INFORMATIVE_SHARE = {"A": 0.2, "L": 0.3, "B": 0.0, "V": 0.4}


def _modality_view(rng, latent_std: np.ndarray, modality: str) -> np.ndarray:
    """Two noisy views (linear, saturating) of the sentiment as one modality sees it."""
    noise_sd = _VIEW_NOISE[modality]
    if np.isinf(noise_sd):
        return np.zeros((latent_std.size, 2))
    view = latent_std + noise_sd * rng.standard_normal(latent_std.size)
    return np.column_stack([view, np.tanh(1.5 * view)])


def _column_loadings(rng, names: list[str], modality: str) -> np.ndarray:
    """``(2, n_columns)`` loadings of each column on the (linear, saturating) view."""
    n = len(names)
    informative = rng.random(n) < _INFORMATIVE_SHARE[modality]
    if modality == "V":
        informative |= np.isin(names, _SMILE_AUS)
    strength = rng.uniform(0.3, 0.8, size=n) * rng.choice([-1.0, 1.0], size=n) * informative
    if modality == "V":
        strength = np.where(np.isin(names, _SMILE_AUS), 0.9, strength)
    linear = rng.random(n) < 0.5
    return np.vstack([strength * linear, strength * ~linear])


def _shape_columns(rng, z: np.ndarray, names: list[str], modality: str, n_words: np.ndarray):
    """Map standard-normal-ish columns onto each feature family's realistic range."""
    names_arr = np.array(names)
    if modality == "A":
        loc = rng.uniform(-2.0, 40.0, size=z.shape[1])
        return loc + rng.uniform(0.1, 5.0, size=z.shape[1]) * z
    if modality == "B":
        return np.exp(-1.0 + 0.5 * z)
    if modality == "V":
        is_au = np.char.startswith(names_arr, "AU")
        return np.where(is_au, expit(-1.0 + z), np.exp(-1.0 + 0.5 * z))
    # Linguistic: part-of-speech counts scale with the number of words; the sentence
    # vector of an empty answer is all zeros (as in the public 2010 dumpfiles).
    values = z * (0.3 * (n_words > 0))[:, None]
    is_count = np.isin(names_arr, UPOS_TAGS)
    rate = rng.uniform(0.02, 0.5, size=int(is_count.sum())) * n_words[:, None]
    values[:, is_count] = rng.poisson(rate * np.exp(0.3 * z[:, is_count]))
    return values


def _draw_features(rng, rows: pd.DataFrame, dims: dict[str, int]):
    """Feature values, names, modality tags and sources for the given exchange rows."""
    latent_std = _standardize(rows["latent"].to_numpy())
    speaker = pd.factorize(rows["dialogue_id"])[0]
    n_words = rows["n_words"].to_numpy()
    names = [name for modality, width in dims.items() for name in _feature_names(modality, width)]
    tags = [modality for modality, width in dims.items() for _ in range(width)]
    values = np.empty((len(rows), len(names)))
    start = 0
    for modality, width in dims.items():
        cols = names[start : start + width]
        view, loadings = (
            _modality_view(rng, latent_std, modality),
            _column_loadings(rng, cols, modality),
        )
        # Outer products by broadcasting: a (n, 2) @ (2, d) BLAS call is slower here.
        # float32 halves the memory traffic of the largest arrays of the corpus.
        view, loadings = view.astype(np.float32), loadings.astype(np.float32)
        z = rng.standard_normal((len(rows), width), dtype=np.float32)
        z += view[:, :1] * loadings[0]
        z += view[:, 1:] * loadings[1]
        # Speakers differ in baseline (what per-speaker normalisation removes).
        z += 0.3 * rng.standard_normal((speaker.max() + 1, width), dtype=np.float32)[speaker]
        values[:, start : start + width] = _shape_columns(rng, z, cols, modality, n_words)
        start += width
    return values, names, tags


def _feature_columns(names: list[str], tags: list[str]) -> pd.DataFrame:
    source = {
        "A": "synthetic eGeMAPS functionals",
        "B": "synthetic Kinect joint motion",
        "V": "synthetic OpenFace landmarks and action units",
    }
    sources = [
        source.get(
            tag, "synthetic UPOS counts" if name in UPOS_TAGS else "synthetic sentence vector"
        )
        for name, tag in zip(names, tags, strict=True)
    ]
    return pd.DataFrame({"name": names, "modality": tags, "source": sources})


# -------------------------------------------------------------------- assembly
_EXCHANGE_COLUMNS = (
    ["exchange", "start_ms", "end_system_ms", "end_ms", "sys_utterance", "user_utterance"]
    + ["dialogue_act", "SS", "SS_excluded"]
    + [f"TS_{a}" for a in _ANNOTATORS]
    + [f"TC_{a}" for a in _ANNOTATORS]
    + ["TS_mean", "TC_mean", "dump_row"]
)


def _pick_featureless(rng, index: pd.Index, fraction: float) -> np.ndarray:
    """Dialogues simulated without feature rows (the real corpus lacks 6 of 60 dumpfiles)."""
    n_missing = min(int(round(fraction * index.size)), index.size - 1)
    missing = np.zeros(index.size, dtype=bool)
    missing[rng.choice(index.size, size=n_missing, replace=False)] = True
    return missing


def _excluded_table(exchanges: pd.DataFrame, featureless: pd.Index) -> pd.DataFrame:
    """Everything not usable, in the loader's format: not-rated labels, featureless sessions."""
    not_rated = exchanges.loc[exchanges["SS_excluded"]]
    table = pd.DataFrame(
        {
            "dialogue_id": np.concatenate([not_rated["dialogue_id"], featureless]),
            "exchange": pd.array(
                [*not_rated["exchange"], *[pd.NA] * featureless.size], dtype="Int64"
            ),
            "level": ["label"] * len(not_rated) + ["session"] * featureless.size,
            "reason": ["not rated / marked: SS 'E' (synthetic)"] * len(not_rated)
            + ["no dumpfile (synthetic: simulated missing feature rows)"] * featureless.size,
        }
    )
    return table.sort_values(["dialogue_id", "exchange"], ignore_index=True)


def _build_dialogues(sessions: pd.DataFrame, exchanges: pd.DataFrame) -> list[Dialogue]:
    table = exchanges[_EXCHANGE_COLUMNS]
    bounds = np.concatenate([[0], np.cumsum(sessions["n_exchanges"].to_numpy())]).tolist()
    return [
        Dialogue(
            dialogue_id=str(dialogue_id),
            exchanges=table.iloc[bounds[i] : bounds[i + 1]].set_axis(
                pd.RangeIndex(bounds[i + 1] - bounds[i])
            ),
            version=version,
            sex=sex,
            age_decade=int(age),
            extras={"mood": float(mood)},
        )
        for i, (dialogue_id, version, sex, age, mood) in enumerate(
            zip(
                sessions.index,
                sessions["version"],
                sessions["sex"],
                sessions["age_decade"],
                sessions["mood"],
                strict=True,
            )
        )
    ]


def make_synthetic_hazumi(
    n_dialogues: int = 60,
    *,
    n_exchanges: tuple[int, int] = (60, 120),
    feature_dims: Mapping[str, int] | None = None,
    not_rated_rate: float = 0.015,
    no_features_fraction: float = 0.1,
    random_state: int | np.random.RandomState | None = None,
) -> Bunch:
    """Generate a synthetic Hazumi-like corpus with a known generative story.

    The result has exactly the structure of :func:`load_hazumi`'s Bunch, so it
    can stand in for the real corpus in examples, the demo and tests.
    Exchange-level self-sentiment (SS) drives the dialogue-level ratings, and
    the linguistic (L) and face (V) features carry learnable signal about SS
    while acoustic (A) features carry little and body (B) features none.

    Parameters
    ----------
    n_dialogues : int, default=60
        Number of dialogues (sessions), like the 60 of Hazumi1902 + 1911.
    n_exchanges : (int, int), default=(60, 120)
        Inclusive range of the number of exchanges per dialogue.
    feature_dims : mapping of str to int, default=None
        Number of feature columns per modality; missing tags keep the default
        sizes ``{"A": 88, "L": 785, "B": 20, "V": 58}`` (eGeMAPS, 17 UPOS
        counts + a 768-d sentence vector, 5 joints x 4, 10 landmarks x 4 + 18
        action units). Smaller sizes keep the first realistic names.
    not_rated_rate : float, default=0.015
        Probability that an exchange is not rated (SS and third-party labels
        NaN, listed in ``excluded``), like the corpus's "E" marks.
    no_features_fraction : float, default=0.1
        Share of dialogues without feature rows (the real corpus lacks 6 of 60
        dumpfiles); they still have exchanges and ratings. At least one
        dialogue always keeps its features.
    random_state : int, RandomState instance or None, default=None
        Seed for full reproducibility.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``dialogues``, ``sessions``, ``exchanges``, ``features``,
        ``feature_rows``, ``ratings_post``, ``ratings_pre``,
        ``ratings_third_party``, ``excluded``, ``feature_columns`` and
        ``DESCR``, as documented in ``docs/_contracts.md``.

    See Also
    --------
    hazumi_sk.datasets.to_xy : Turn the Bunch into ``(X, y)`` for one item.

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi
    >>> data = make_synthetic_hazumi(n_dialogues=10, n_exchanges=(5, 8),
    ...                              feature_dims={"L": 20}, random_state=0)
    >>> len(data.dialogues), data.features.n_features
    (10, 186)
    >>> data.features.modality_set
    ['A', 'L', 'B', 'V']
    >>> sorted(data.ratings_post.columns)[:3]
    ['active', 'awkward', 'boring']
    """
    low, high, dims = _check_params(
        n_dialogues, n_exchanges, feature_dims, not_rated_rate, no_features_fraction
    )
    rng = np.random.default_rng(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    sessions = _draw_sessions(rng, n_dialogues, low, high)
    exchanges = _draw_sentiment(rng, sessions, not_rated_rate)
    exchanges = exchanges.join(_draw_utterances(rng, exchanges))
    lengths = sessions["n_exchanges"].to_numpy()
    exchanges = exchanges.join(_draw_times(rng, lengths, exchanges["n_words"].to_numpy()))
    ratings = _draw_ratings(rng, sessions, exchanges)

    featureless = _pick_featureless(rng, sessions.index, no_features_fraction)
    has_rows = ~np.repeat(featureless, lengths)
    exchanges["dump_row"] = pd.array(np.where(has_rows, exchanges["exchange"], -1), dtype="Int64")
    exchanges.loc[~has_rows, "dump_row"] = pd.NA
    rows = exchanges.loc[has_rows].reset_index(drop=True)
    values, names, tags = _draw_features(rng, rows, dims)
    featured = sessions.index[~featureless]
    features = RaggedSequences(
        values,
        np.concatenate([[0], np.cumsum(lengths[~featureless])]),
        feature_names=names,
        modalities=tags,
        dialogue_ids=featured.to_numpy(),
        exchange_labels=rows["SS"].to_numpy(dtype=np.float64),
    )
    feature_rows = pd.DataFrame(
        {
            "dialogue_id": rows["dialogue_id"],
            "row": rows["exchange"],
            "start_ms": rows["start_ms"],
            "end_ms": rows["end_ms"],
            "SS": rows["SS"],
            "TS_mean": rows["TS_mean"],
            "TC_mean": rows["TC_mean"],
            "elan_exchanges": [(int(e),) for e in rows["exchange"]],
        }
    )
    sessions["n_feature_rows"] = np.where(featureless, 0, lengths)
    sessions["has_features"] = ~featureless
    dialogues = _build_dialogues(sessions, exchanges)
    public_sessions = sessions[
        ["version", "sex", "age_decade", "n_exchanges", "n_feature_rows", "has_features"]
    ]
    return Bunch(
        dialogues=dialogues,
        sessions=public_sessions,
        exchanges=exchanges[["dialogue_id", *_EXCHANGE_COLUMNS]],
        features=features,
        feature_rows=feature_rows,
        **ratings,
        excluded=_excluded_table(exchanges, sessions.index[featureless]),
        feature_columns=_feature_columns(names, tags),
        DESCR=_describe(sessions, exchanges, dims),
    )


def _describe(sessions: pd.DataFrame, exchanges: pd.DataFrame, dims: dict[str, int]) -> str:
    lengths = sessions["n_exchanges"]
    return (
        "Synthetic Hazumi-like corpus (hazumi_sk.datasets.make_synthetic_hazumi)\n"
        f"{len(sessions)} dialogues, {len(exchanges)} exchanges "
        f"({lengths.min()}-{lengths.max()} per dialogue), "
        f"{int(sessions['has_features'].sum())} with feature rows.\n"
        "Generative story: a latent mood per dialogue drives an AR(1) self-sentiment (SS, 1-7) "
        "trajectory; each of the 18 rapport items (1-8) is a noisy function of the dialogue's "
        "mean SS with the paper's Table 1 correlation as loading (negative items negatively) "
        "and the public data's high/low split. Third-party sentiment (TS) sees SS weakly.\n"
        f"Features per exchange: {dims} columns (A, L, B, V); L and V carry SS signal, "
        "A little, B none. Not-rated exchanges have NaN labels and are listed in `excluded`.\n"
        "Not real data: do not report results on it as findings about dialogue."
    )
