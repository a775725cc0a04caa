"""The opt-in P block of a loaded Hazumi dataset: E4 features beside the dumpfile columns."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils import Bunch

from ..datasets import Dialogue
from ..sequences import RaggedSequences
from ._biosensor import BiosensorFeatures, BiosensorWarning, describe_problems

__all__ = ["add_biosensor_block"]

_SOURCE = "E4 export (hazumi_sk.features.BiosensorFeatures)"


def _version_folder(root: Path, dialogue_id: str) -> Path:
    """``root/HazumiYYMM`` or ``root`` itself when it is that folder."""
    name = f"Hazumi{dialogue_id[:4]}"
    return root if root.name == name else root / name


def _row_dialogues(dataset: Bunch, root: Path) -> list[Dialogue]:
    """One Dialogue per dialogue of ``dataset.features`` whose exchanges are its feature rows."""
    rows = dataset["feature_rows"]
    features: RaggedSequences = dataset["features"]
    dialogues = []
    for k, dialogue_id in enumerate(features.dialogue_ids):
        table = rows.iloc[features.offsets[k] : features.offsets[k + 1]]
        if not (table["dialogue_id"].astype(str) == dialogue_id).all():
            raise ValueError("dataset.feature_rows is not aligned with dataset.features.")
        # Name exchanges by ELAN index (a feature row may cover several, 1902 merged rows).
        exchange = table["elan_exchanges"] if "elan_exchanges" in table else table["row"]
        folder = _version_folder(root, dialogue_id)
        dialogues.append(
            Dialogue(
                dialogue_id,
                pd.DataFrame(
                    {
                        "exchange": exchange.to_numpy(),
                        "start_ms": table["start_ms"].to_numpy(dtype=float),
                        "end_ms": table["end_ms"].to_numpy(dtype=float),
                    }
                ),
                extras={
                    "biosensor": folder / "biosensor" / f"{dialogue_id}.zip",
                    "dumpfile": folder / "dumpfiles" / f"{dialogue_id}.csv",
                },
            )
        )
    return dialogues


def _check_exports(features: RaggedSequences, root: Path) -> None:
    """A clear error before any work when the dataset or ``root`` has no E4 export to read."""
    versions = sorted({str(i)[:4] for i in features.dialogue_ids})
    if "1911" not in versions:
        raise ValueError(
            "add_biosensor_block: the E4 exports exist only in Hazumi1911, and the dataset "
            f"holds no 1911 dialogue (versions {versions})."
        )
    folder = _version_folder(root, "1911") / "biosensor"
    if not folder.is_dir() or not any(folder.glob("*.zip")):
        raise FileNotFoundError(
            f"add_biosensor_block: no E4 exports (biosensor/<id>.zip) in {folder}."
        )


def _first_exchange(value: Any) -> int | None:
    """ELAN exchange index of a feature row (its first one, for ``excluded``)."""
    if isinstance(value, tuple | list):
        return int(value[0]) if len(value) else None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def add_biosensor_block(dataset: Bunch, root: str | Path, **params: Any) -> Bunch:
    """A copy of a :func:`~hazumi_sk.datasets.load_hazumi` Bunch with the E4 ``P`` block.

    The step after loading that adds physiological features computed from the raw
    Hazumi1911 exports (``load_hazumi`` itself reads files and runs no extractor),
    as :func:`replace_linguistic` is for the transcript ``L`` block.
    Appends the :class:`BiosensorFeatures` columns (``P__EDA_mean`` ...) to
    ``features`` (one value per feature row, i.e. dumpfile row) and to
    ``feature_columns``; dialogues without an E4 export (every version but 1911)
    get NaN there and one ``excluded`` record each (level ``"biosensor"``), and
    every exchange with NaN features gets one record too. Adds ``biosensor``:
    one row per dialogue with the clock offset used, its fit quality, the number
    of exchanges whose HR came from BVP peaks and of exchanges with NaN features.
    The input Bunch is not modified.

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        From :func:`~hazumi_sk.datasets.load_hazumi`.
    root : str or Path
        The folder given to ``load_hazumi`` (holding ``Hazumi1911/``) or the
        ``Hazumi1911`` folder itself; ``biosensor/<id>.zip`` and
        ``dumpfiles/<id>.csv`` (for the clock) are read below it.
    **params
        :class:`BiosensorFeatures` parameters (``method``, ``clock_offset``, ...);
        ``biosensor_dir``, ``dumpfile_dir`` and ``on_missing`` are set here.

    Returns
    -------
    sklearn.utils.Bunch

    Raises
    ------
    ValueError
        ``dataset`` is not a ``load_hazumi`` Bunch, or holds no 1911 dialogue.
    FileNotFoundError
        No ``biosensor/<id>.zip`` below ``root``'s ``Hazumi1911`` folder.

    Examples
    --------
    >>> from hazumi_sk.datasets import load_hazumi
    >>> from hazumi_sk.features import add_biosensor_block
    >>> data = load_hazumi("../shared/hazumi", versions="1911")  # doctest: +SKIP
    >>> data = add_biosensor_block(data, "../shared/hazumi")  # doctest: +SKIP
    >>> data.features.select_modalities(["P"]).n_features  # doctest: +SKIP
    15
    """
    features = dataset.get("features")
    if not isinstance(features, RaggedSequences):
        raise ValueError("dataset.features must be a RaggedSequences (load_hazumi's Bunch).")
    fixed = {"biosensor_dir", "dumpfile_dir", "on_missing"} & set(params)
    if fixed:
        raise TypeError(f"add_biosensor_block sets {sorted(fixed)} itself.")
    _check_exports(features, Path(root))
    extractor = clone(BiosensorFeatures(**params)).set_params(on_missing="raise")
    dialogues = _row_dialogues(dataset, Path(root))
    extractor.fit(dialogues)
    arrays, records, sessions = [], [], []
    for d in dialogues:
        if not d.extras["biosensor"].is_file():
            arrays.append(np.full((d.n_exchanges, extractor.n_features_out_), np.nan))
            records.append((d.dialogue_id, None, f"no E4 export {d.extras['biosensor']}"))
            sessions.append((d.dialogue_id, np.nan, "", np.nan, 0, d.n_exchanges))
            continue
        values, report = extractor.extract_with_report(d)
        arrays.append(values)
        for k, group, why in report.problems:
            exchange = _first_exchange(d.exchanges["exchange"].iloc[k])
            records.append((d.dialogue_id, exchange, f"{group} features NaN: {why}"))
        n_nan = int(np.isnan(values).any(axis=1).sum())
        sessions.append(
            (d.dialogue_id, report.offset_s, report.offset_source, report.offset_match,
             report.hr_from_bvp, n_nan)
        )  # fmt: skip
        message = describe_problems(d, report)
        if message:
            warnings.warn(message, BiosensorWarning, stacklevel=2)
    block = extractor.assemble(arrays, dialogues)
    block = block.replace(values=block.values.astype(features.values.dtype))
    return _updated(dataset, features, block, records, sessions)


def _updated(dataset: Bunch, features, block, records, sessions) -> Bunch:
    out = Bunch(**dataset)
    out.features = RaggedSequences.hstack([features, block.replace(exchange_labels=None)])
    new_columns = pd.DataFrame({"name": block.feature_names, "modality": "P", "source": _SOURCE})
    if isinstance(dataset.get("feature_columns"), pd.DataFrame):
        out.feature_columns = pd.concat([dataset.feature_columns, new_columns], ignore_index=True)
    excluded = pd.DataFrame(records, columns=["dialogue_id", "exchange", "reason"])
    excluded.insert(2, "level", "biosensor")
    excluded["exchange"] = excluded["exchange"].astype("Int64")
    if isinstance(dataset.get("excluded"), pd.DataFrame):
        excluded = pd.concat([dataset.excluded, excluded], ignore_index=True)
    out.excluded = excluded
    out.biosensor = pd.DataFrame(
        sessions,
        columns=["dialogue_id", "offset_s", "offset_source", "offset_match", "n_hr_from_bvp",
                 "n_nan_exchanges"],
    ).set_index("dialogue_id")  # fmt: skip
    return out
