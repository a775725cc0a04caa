"""The documented feature columns of each version's dumpfiles (FORMAT.md §3.2, §3.3).

A column missing from *every* dumpfile of a version is invisible to a per-file check;
comparing with this list is what lets the loader log it in ``excluded``.
"""

from __future__ import annotations

from functools import cache

from ..vocabulary import UPOS_TAGS
from ._dumpfile import SYSTEM_ACTS

__all__ = ["documented_features"]

_FUNCTIONALS = ("max", "min", "range", "maxPos", "minPos", "amean", "linregc1", "linregc2",
                "linregerrQ", "stddev", "skewness", "kurtosis")  # fmt: skip
_MOTION = ("acceleration_max", "velocity_max", "velocity_mean", "velocity_std")
_LANDMARKS = (17, 21, 22, 26, 36, 39, 42, 45, 48, 51, 54, 57)
_UNITS = ("01", "02", "04", "05", "06", "07", "09", "10", "12", "14", "15", "17", "20", "23",
          "25", "26", "28", "45")  # fmt: skip
_JOINTS_1902 = ("FootLeft", "FootRight", "HandLeft", "HandRight", "Head", "ShoulderLeft",
                "ShoulderRight")  # fmt: skip


def _is09() -> list[str]:
    """16 low-level descriptors x (raw, delta) x 12 functionals = 384 names."""
    names = []
    for sma in ("sma", "sma_de"):
        llds = [f"pcm_RMSenergy_{sma}", *(f"pcm_fftMag_mfcc_{sma}[{k}]" for k in range(1, 13))]
        llds += [f"pcm_zcr_{sma}", f"voiceProb_{sma}", f"F0_{sma}"]
        names += [f"{lld}_{f}" for lld in llds for f in _FUNCTIONALS]
    return names


def _face() -> list[str]:
    landmarks = [f"{n}_{m}" for n in _LANDMARKS for m in _MOTION]
    return landmarks + [f"AU{u}_c_mean" for u in _UNITS]


def _body(joints) -> list[str]:
    return [f"{j}_{m}" for j in joints for m in _MOTION]


@cache
def documented_features(version: str) -> frozenset[str] | None:
    """Feature columns every dumpfile of ``version`` has, after reading (``None`` if unknown).

    The 2010/2012 ``dialogue_act`` string is one-hot encoded into the 8 act columns.
    """
    lengths = ["lenS", "lenU", "lenS-lenU"]
    if version == "1902":
        linguistic = [f"word#{k:03d}" for k in range(1, 968)]
        linguistic += ["no_utterance", "noun", "adjective", "interjection", "adverbs", "reaction"]
        return frozenset(_is09() + linguistic + lengths + list(SYSTEM_ACTS) + _face()
                         + _body(_JOINTS_1902))  # fmt: skip
    if version == "1911":
        linguistic = [f"word#{k:04d}" for k in range(1, 2602)]
        linguistic += ["noun", "adjective", "adverbs", "interjection"]
        e4 = ["EDA_mean", "EDA_std", "HR_mean", "HR_std"]
        return frozenset(_is09() + linguistic + lengths + list(SYSTEM_ACTS) + _face()
                         + _body(_JOINTS_1902[2:]) + e4)  # fmt: skip
    if version in ("2010", "2012"):
        bert = [f"bert{k}" for k in range(768)]
        return frozenset(_is09() + _face() + list(UPOS_TAGS) + bert + list(SYSTEM_ACTS))
    return None
