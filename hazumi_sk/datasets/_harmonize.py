"""``columns="harmonized"``: one name per same-concept feature column across versions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..vocabulary import UPOS_TAGS
from ._dumpfile import DumpFile

__all__ = ["HARMONIZED_COLUMNS", "harmonize_dumpfile", "original_name"]

_VERSIONS = ("1902", "1911", "2010", "2012")
#: 1902/1911 Japanese POS counts and their UPOS counterparts (FORMAT.md §3.2).
_POS_TO_UPOS = {"noun": "NOUN", "adjective": "ADJ", "adverbs": "ADV", "interjection": "INTJ"}
#: The derived token count of the UPOS versions: every token but punctuation.
_N_TOKENS = "sum of the 17 UPOS counts minus PUNCT"
_TRANSCRIPT_L = "computed from the ELAN transcripts for every version (replace_linguistic)"


def _row(concept, name, modality, by_version, note=""):
    return [
        (concept, name, modality, v, by_version.get(v), note)
        for v in _VERSIONS  # None = cannot be mapped for this version
    ]


def _mapping_rows() -> list[tuple]:
    rows = []
    for pos, upos in _POS_TO_UPOS.items():
        rows += _row(
            "UPOS counts", upos, "L", {"1902": pos, "1911": pos, "2010": upos, "2012": upos},
            "1902/1911 count the same four classes with a Japanese tagger",
        )  # fmt: skip
    for upos in UPOS_TAGS:
        if upos not in _POS_TO_UPOS.values():
            rows += _row(
                "UPOS counts", upos, "L", {"2010": upos, "2012": upos},
                f"no 1902/1911 counterpart; {_TRANSCRIPT_L}",
            )  # fmt: skip
    rows += _row(
        "token counts", "n_tokens", "L",
        {"1902": "lenU", "1911": "lenU", "2010": _N_TOKENS, "2012": _N_TOKENS},
        "user utterance length in tokens",
    )  # fmt: skip
    same = dict.fromkeys(_VERSIONS, "(same names)")
    rows += _row("system dialogue act one-hot", "io na oa op pa qw qy su", "S", same,
                 "2010/2012: one-hot of the dialogue_act string")  # fmt: skip
    rows += _row("IS09 acoustic (openSMILE)", "384 columns", "A", same)
    rows += _row("OpenFace face landmarks + AUs", "66 columns", "V", same)
    singles = [
        ("bag of words", "word#...", "L", ("1902", "1911"), "vocabularies differ, unpublished"),
        ("POS counts", "no_utterance", "L", ("1902",), "ASR no-result flag"),
        ("user response time", "reaction", "L", ("1902",), ""),
        ("BERT embedding", "bert0..bert767", "L", ("2010", "2012"), _TRANSCRIPT_L),
        ("system utterance length", "lenS, lenS-lenU", "S", ("1902", "1911"), ""),
        ("Kinect body", "joint velocities", "B", ("1902", "1911"), "online versions: no Kinect"),
        ("E4 physiological", "EDA/HR", "P", ("1911",), ""),
    ]
    for concept, name, modality, holders, note in singles:
        rows += _row(concept, name, modality, dict.fromkeys(holders, name), note)
    return rows


#: The mapping table (long format): per concept and version, the original dumpfile
#: column(s) or ``None`` when that version has no counterpart (such columns are
#: dropped by ``columns="harmonized"`` and listed in ``excluded``).
HARMONIZED_COLUMNS = pd.DataFrame(
    _mapping_rows(), columns=["concept", "name", "modality", "version", "original", "note"]
)


def harmonize_dumpfile(dump: DumpFile, version: str) -> DumpFile:
    """The dumpfile with :data:`HARMONIZED_COLUMNS` names (and the derived ``n_tokens``).

    Examples
    --------
    >>> from hazumi_sk.datasets._harmonize import harmonize_dumpfile
    >>> harmonize_dumpfile(dump_1911, "1911").features.columns[:2]  # doctest: +SKIP
    """
    features = dump.features
    if version in ("1902", "1911"):
        renames = {**_POS_TO_UPOS, "lenU": "n_tokens"}
        renames = {old: new for old, new in renames.items() if old in features.columns}
        features = features.rename(columns=renames)
        modalities = {renames.get(n, n): m for n, m in dump.modalities.items()}
        sources = {renames.get(n, n): s for n, s in dump.sources.items()}
        for old, new in renames.items():
            sources[new] = f"{sources[new]} (harmonized from {old!r})"
    elif set(UPOS_TAGS) <= set(features.columns):
        counted = [t for t in UPOS_TAGS if t != "PUNCT"]
        tokens = features[counted].to_numpy(np.float64).sum(axis=1).astype(np.float32)
        features = features.assign(n_tokens=tokens)
        modalities = {**dump.modalities, "n_tokens": "L"}
        sources = {**dump.sources, "n_tokens": f"token count ({_N_TOKENS})"}
    else:
        return dump
    return replace(dump, features=features, modalities=modalities, sources=sources)


def original_name(name: str, version: str) -> str:
    """The dumpfile column (or derivation) that harmonized column ``name`` comes from."""
    if version in ("1902", "1911"):
        inverse = {new: old for old, new in _POS_TO_UPOS.items()}
        return {**inverse, "n_tokens": "lenU"}.get(name, name)
    return _N_TOKENS if name == "n_tokens" else name
