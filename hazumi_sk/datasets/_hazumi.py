"""load_hazumi: the public Hazumi corpora as one Bunch of dialogues, features and ratings."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch
from tqdm.auto import tqdm

from ..sequences import RaggedSequences
from ..utils import InvalidParameterError, StrOptions, validate_params
from ._columns import documented_features
from ._dialogue import Dialogue
from ._dumpfile import DumpFile, read_dumpfile
from ._elan import check_tiers, read_eaf
from ._errors import HazumiFormatError
from ._harmonize import harmonize_dumpfile, original_name
from ._items import RAPPORT_ITEMS
from ._join import ExclusionLog, clean_exchange_table, join_dumpfile
from ._questionnaire import ID_PATTERN, read_questionnaires

__all__ = ["load_hazumi", "SUPPORTED_VERSIONS"]

#: Corpus versions this loader reads (FORMAT.md).
SUPPORTED_VERSIONS = ("1902", "1911", "2010", "2012")
#: Recording setting of each version (FORMAT.md §8; Hazumi2012 README): provenance per dialogue.
VERSION_SETTINGS = {"1902": "in person", "1911": "in person", "2010": "online", "2012": "online"}
#: Column order of the feature matrix: modality blocks in this order.
MODALITY_ORDER = ("A", "L", "S", "V", "B", "P")
_COLUMN_POLICIES = ("common", "union", "harmonized")
_FOLDER = re.compile(r"^Hazumi(\d{4})$")
_ROWS = ["dialogue_id", "row", "start_ms", "end_ms", "SS", "TS_mean", "TC_mean", "elan_exchanges"]


@dataclass
class _Session:
    dialogue: Dialogue
    feature_rows: pd.DataFrame | None
    dump: DumpFile | None
    #: Feature columns as read, before ``columns="harmonized"`` renames them.
    raw_columns: tuple[str, ...] = ()


def _check_versions(versions: Any) -> None:
    """``versions`` is None, one supported version string or a non-empty list of them."""
    listed = [versions] if isinstance(versions, str) else versions
    if versions is None or (
        len(listed) > 0 and all(isinstance(v, str) and v in SUPPORTED_VERSIONS for v in listed)
    ):
        return
    raise InvalidParameterError(
        f"The 'versions' parameter of load_hazumi must be None, one of {SUPPORTED_VERSIONS} or "
        f"a non-empty list of them (strings). Got versions={versions!r} instead."
    )


def _version_folders(root: Path, versions) -> dict[str, Path]:
    """``{version: folder}`` for ``root`` (a version folder or a folder of them)."""
    if not root.is_dir():
        raise FileNotFoundError(f"Hazumi root {root} is not a directory.")
    match = _FOLDER.match(root.name)
    found = (
        {match.group(1): root}
        if match
        else {
            m.group(1): child
            for child in sorted(root.iterdir())
            if child.is_dir() and (m := _FOLDER.match(child.name))
        }
    )
    found = {v: p for v, p in found.items() if v in SUPPORTED_VERSIONS}
    if versions is None:
        if not found:
            raise FileNotFoundError(
                f"No Hazumi version folder ({', '.join('Hazumi' + v for v in SUPPORTED_VERSIONS)})"
                f" in {root}."
            )
        return found
    versions = [versions] if isinstance(versions, str) else list(versions)
    absent = [str(v) for v in versions if str(v) not in found]
    if absent:
        raise FileNotFoundError(
            f"versions={absent}: no folder {', '.join('Hazumi' + v for v in absent)} in {root}."
        )
    return {str(v): found[str(v)] for v in sorted(set(map(str, versions)))}


def _session_ids(folder: Path, version: str) -> list[str]:
    """Sessions are discovered from the EAF files: the dumpfile set is a subset (§10.1)."""
    eafs = sorted((folder / "elan").glob("*.eaf"))
    if not eafs:
        raise FileNotFoundError(f"No ELAN files in {folder / 'elan'}.")
    for eaf in eafs:
        if not ID_PATTERN.match(eaf.stem) or not eaf.stem.startswith(version):
            raise HazumiFormatError(f"{eaf}: bad participant id {eaf.stem!r} for {folder.name}.")
    ids = [eaf.stem for eaf in eafs]
    orphans = sorted(p for p in (folder / "dumpfiles").glob("*.csv") if p.stem not in set(ids))
    if orphans:
        raise HazumiFormatError(f"{orphans[0]}: dumpfile without an ELAN file.")
    return ids


def _load_session(
    folder: Path, dialogue_id: str, version: str, log: ExclusionLog, harmonized: bool = False
) -> _Session:
    eaf = folder / "elan" / f"{dialogue_id}.eaf"
    raw = read_eaf(eaf)
    # A missing UI_self/transcript tier would load as all-NaN labels or empty text: an error.
    check_tiers(raw, eaf, version)
    table, unrecognised = clean_exchange_table(raw, dialogue_id, log)
    dump_path = folder / "dumpfiles" / f"{dialogue_id}.csv"
    dump, rows, raw_columns = None, None, ()
    if dump_path.exists():
        dump = read_dumpfile(dump_path, version)
        raw_columns = tuple(dump.features.columns)
        if harmonized:
            dump = harmonize_dumpfile(dump, version)
        joined = join_dumpfile(table, dump, version, dialogue_id, log, unrecognised)
        table, rows = joined.exchanges, joined.feature_rows
    else:
        log.add(dialogue_id, None, "session", f"no dumpfile: {dump_path} does not exist")
    dialogue = Dialogue(
        dialogue_id=dialogue_id,
        exchanges=table,
        version=version,
        sex=dialogue_id[4],
        age_decade=int(dialogue_id[5]) * 10,
        extras={"eaf": eaf, "dumpfile": dump_path if dump is not None else None},
    )
    return _Session(dialogue, rows, dump, raw_columns)


def _check_same_tiers(sessions: list[_Session]) -> None:
    """Within a version every EAF has the same tiers (FORMAT.md §4); a missing one is an error."""
    first = sessions[0].dialogue
    for session in sessions[1:]:
        columns = session.dialogue.exchanges.columns
        if not columns.equals(first.exchanges.columns):
            differ = sorted(set(columns) ^ set(first.exchanges.columns))
            raise HazumiFormatError(
                f"{session.dialogue.extras['eaf']}: tiers differ from {first.extras['eaf']} "
                f"(same version): {differ}."
            )


def _version_columns(sessions: list[_Session], version: str, log: ExclusionLog) -> pd.DataFrame:
    """The feature columns of one version; every dumpfile must have the same ones.

    A documented column absent from every dumpfile (so no per-file check sees it) is
    logged at level ``"column"``.
    """
    with_dump = [s for s in sessions if s.dump is not None]
    if not with_dump:
        return pd.DataFrame(columns=["name", "modality", "source"])
    dumps = [s.dump for s in with_dump]
    first = dumps[0]
    for dump in dumps[1:]:
        if not dump.features.columns.equals(first.features.columns):
            raise HazumiFormatError(
                f"{dump.path}: feature columns differ from {first.path} (same version {version})."
            )
    documented = documented_features(version) or frozenset()
    present = set(with_dump[0].raw_columns)
    for name in sorted(documented - present):
        log.add(
            np.nan, None, "column",
            f"documented feature column {name!r} absent from every Hazumi{version} dumpfile "
            f"({len(dumps)} files; FORMAT.md §3.2); not loaded",
        )  # fmt: skip
    names = first.features.columns.tolist()
    return pd.DataFrame(
        {
            "name": names,
            "modality": [first.modalities[n] for n in names],
            "source": [first.sources[n] for n in names],
        }
    )


def _select_columns(
    per_version: dict[str, pd.DataFrame], policy: str, log: ExclusionLog
) -> pd.DataFrame:
    """Apply the ``columns`` policy across versions; logs every dropped column."""
    with_features = {v: cols for v, cols in per_version.items() if len(cols)}
    if not with_features:
        return pd.DataFrame(columns=["name", "modality", "source"])
    union = pd.concat(with_features.values()).drop_duplicates("name", keep="first")
    clash = pd.concat(with_features.values()).groupby("name")["modality"].nunique()
    if (clash > 1).any():
        raise HazumiFormatError(f"Feature column(s) with different modalities: {clash[clash > 1]}")
    present = {v: set(cols["name"]) for v, cols in with_features.items()}
    in_all = union["name"].map(lambda n: all(n in names for names in present.values()))
    if policy in ("common", "harmonized"):
        why = "" if policy == "common" else " (no counterpart: see HARMONIZED_COLUMNS)"
        for name, modality, source in union.loc[~in_all, ["name", "modality", "source"]].itertuples(
            index=False
        ):
            holders = ", ".join(f"Hazumi{v}" for v, names in present.items() if name in names)
            lacking = ", ".join(f"Hazumi{v}" for v, names in present.items() if name not in names)
            # A column belongs to no single dialogue: dialogue_id is NaN, the reason names versions.
            log.add(
                np.nan, None, "column",
                f"feature column {name!r} ({modality}, {source}) of {holders} absent from "
                f"{lacking}{why}; dropped by columns={policy!r}",
            )  # fmt: skip
        union = union.loc[in_all]
    rank = {m: k for k, m in enumerate(MODALITY_ORDER)}
    order = np.argsort(union["modality"].map(rank).to_numpy(), kind="stable")
    union = union.iloc[order].reset_index(drop=True)
    if policy == "harmonized":
        for version in with_features:
            union[f"Hazumi{version}"] = [original_name(n, version) for n in union["name"]]
    return union


def _features(sessions: list[_Session], columns: pd.DataFrame) -> RaggedSequences | None:
    with_rows = [s for s in sessions if s.dump is not None]
    if not with_rows or columns.empty:
        return None
    names = columns["name"].tolist()
    blocks = [s.dump.features.reindex(columns=names).to_numpy(np.float32) for s in with_rows]
    labels = [s.feature_rows["SS"].to_numpy(np.float64) for s in with_rows]
    return RaggedSequences.from_arrays(
        blocks,
        feature_names=names,
        modalities=columns["modality"].tolist(),
        dialogue_ids=[s.dialogue.dialogue_id for s in with_rows],
        exchange_labels=labels,
    )


def _sessions_frame(sessions: list[_Session]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "dialogue_id": [s.dialogue.dialogue_id for s in sessions],
            "version": [s.dialogue.version for s in sessions],
            "setting": [VERSION_SETTINGS[s.dialogue.version] for s in sessions],
            "sex": [s.dialogue.sex for s in sessions],
            "age_decade": [s.dialogue.age_decade for s in sessions],
            "n_exchanges": [s.dialogue.n_exchanges for s in sessions],
            "n_feature_rows": [
                0 if s.feature_rows is None else len(s.feature_rows) for s in sessions
            ],
            "has_features": [s.feature_rows is not None for s in sessions],
        }
    )
    return frame.set_index("dialogue_id")


def _exchange_column_order(columns: pd.Index) -> list[str]:
    """``dialogue_id`` first and, across versions, all annotator columns before the means."""
    annotators = sorted(c for c in columns if re.match(r"^(TS|TC)_[FM]\d$", c))
    head = [c for c in columns if c not in annotators and c not in ("dialogue_id", "TS_mean")]
    cut = head.index("SS_suspect") + 1
    rest = [c for c in head[cut:] if c not in ("TC_mean", "dump_row")]
    return ["dialogue_id", *head[:cut], *annotators, "TS_mean", "TC_mean", "dump_row", *rest]


def _partly_missing(features: RaggedSequences | None) -> int:
    """Columns with NaN in some rows (``columns="union"``; dumpfiles themselves have none)."""
    if features is None or features.n_exchanges == 0:
        return 0
    return int(np.isnan(features.values).any(axis=0).sum())


def _constant_columns(features: RaggedSequences | None) -> list[str]:
    if features is None or features.n_exchanges == 0:
        return []
    with np.errstate(all="ignore"):
        spread = np.nanmax(features.values, axis=0) - np.nanmin(features.values, axis=0)
    return features.feature_names[~(spread > 0)].tolist()


def _describe(
    versions: dict[str, Path],
    policy: str,
    sessions: pd.DataFrame,
    features: RaggedSequences | None,
    columns: pd.DataFrame,
    excluded: pd.DataFrame,
) -> str:
    counts = columns["modality"].value_counts().reindex(list(MODALITY_ORDER)).dropna()
    dropped = excluded[
        (excluded["level"] == "column") & excluded["reason"].str.contains("dropped by columns=")
    ]
    absent = (excluded["level"] == "column").sum() - len(dropped)
    constant = _constant_columns(features)
    lines = [
        "Hazumi multimodal dialogue corpus (ouktlab), loaded by hazumi_sk.load_hazumi",
        "",
        f"versions: {', '.join(f'Hazumi{v} ({p})' for v, p in versions.items())}",
        f"sessions: {len(sessions)} ({int(sessions['has_features'].sum())} with dumpfile features)",
        f"ELAN exchanges: {int(sessions['n_exchanges'].sum())}; "
        f"feature rows: {int(sessions['n_feature_rows'].sum())}",
        f"feature columns (columns={policy!r}): {len(columns)} = "
        + ", ".join(f"{m} {int(n)}" for m, n in counts.items()),
        f"columns dropped by the policy: {len(dropped)}; NaN-filled for some version: "
        f"{_partly_missing(features)}; documented columns absent from the files: {absent}",
        f"constant columns kept (scaling handles them): {len(constant)} {constant[:12]}",
        "modalities: A IS09 acoustic, L user linguistic (BoW, POS/UPOS, lenU, no_utterance,",
        "  reaction, BERT), S system prompt (dialogue-act one-hot, lenS, lenS-lenU),",
        "  V face landmarks + AUs, B Kinect body, P E4 physiological",
        "exclusions by level: "
        + ", ".join(f"{k} {v}" for k, v in excluded["level"].value_counts().items()),
        "ratings: 18 rapport items, 1-8; post/pre = participant, third party = mean of 5",
    ]
    return "\n".join(lines)


@validate_params(
    {
        "root": [str, os.PathLike],
        "versions": [None, str, list, tuple],
        "columns": [StrOptions(set(_COLUMN_POLICIES))],
        "progress": ["boolean"],
    }
)
def load_hazumi(
    root: str | Path,
    versions: str | list[str] | None = None,
    *,
    columns: str = "common",
    progress: bool = True,
) -> Bunch:
    """Load the public Hazumi corpora (1902, 1911, 2010, 2012) into one Bunch.

    Reads the ELAN files (exchanges, transcripts, labels), the dumpfiles
    (per-exchange features) and the rapport questionnaires, joins and
    cross-checks them as specified by the corpus format notes. Sessions
    without a dumpfile are kept (with transcripts and labels, no features).
    Loading reads files only and runs no feature extractor: the ``L`` block
    computed from the transcripts and the E4 ``P`` block computed from the raw
    1911 exports are added afterwards by
    :func:`hazumi_sk.features.replace_linguistic` and
    :func:`hazumi_sk.features.add_biosensor_block`.

    Parameters
    ----------
    root : str or Path
        A folder holding ``HazumiYYMM/`` version folders, or one such folder.
    versions : str or list of str, default=None
        Versions to load (``"1902"``, ``"1911"``, ``"2010"``, ``"2012"``); all found
        when ``None``.
    columns : {"common", "union", "harmonized"}, default="common"
        How to combine feature columns of several versions. ``"common"`` keeps
        the columns present in every loaded version (each dropped column is
        listed in ``excluded`` at level ``"column"``, with ``dialogue_id`` NaN);
        ``"union"`` keeps all of them and fills a version's missing columns
        with ``NaN``; ``"harmonized"`` first gives same-concept columns one name
        (1902/1911 ``noun``/``adjective``/``adverbs``/``interjection`` become the
        UPOS ``NOUN``/``ADJ``/``ADV``/``INTJ``; ``lenU`` and the 2010/2012 UPOS
        token sum become ``n_tokens``; see :data:`HARMONIZED_COLUMNS`), then
        keeps the columns of every version as ``"common"`` does, and
        ``feature_columns`` gains one ``Hazumi<version>`` column naming each
        column's original.
    progress : bool, default=True
        Show a tqdm progress bar over sessions.
    Returns
    -------
    sklearn.utils.Bunch
        ``dialogues, sessions, exchanges, features, feature_rows, ratings_post,
        ratings_pre, ratings_third_party, excluded, feature_columns, DESCR``
        (see ``docs/datasets.rst``).

    Raises
    ------
    HazumiFormatError
        A file is malformed or fails a cross-check; the message names the file
        and row (or tier and annotation) and column.
    InvalidParameterError
        A parameter has a wrong type or value; the message names it.

    Examples
    --------
    >>> from hazumi_sk.datasets import load_hazumi
    >>> data = load_hazumi("../shared/hazumi", versions=["1902", "1911"])  # doctest: +SKIP
    >>> data.features.shape  # doctest: +SKIP
    (54, 526)
    """
    _check_versions(versions)
    folders = _version_folders(Path(root), versions)
    log, sessions, per_version, ratings = ExclusionLog(), [], {}, []
    plan = [(v, folder, i) for v, folder in folders.items() for i in _session_ids(folder, v)]
    for version, folder in folders.items():
        loaded = [
            _load_session(folder, i, version, log, harmonized=columns == "harmonized")
            for v, _, i in tqdm(plan, desc=f"Hazumi{version}", disable=not progress)
            if v == version
        ]
        _check_same_tiers(loaded)
        per_version[version] = _version_columns(loaded, version, log)
        quest = read_questionnaires(
            folder / "questionnaire", [s.dialogue.dialogue_id for s in loaded]
        )
        for participant, where, reason in quest.skipped:
            log.add(participant, None, "questionnaire", f"{where}: {reason}")
        ratings.append(quest)
        sessions.extend(loaded)
    sessions.sort(key=lambda s: s.dialogue.dialogue_id)
    feature_columns = _select_columns(per_version, columns, log)
    features = _features(sessions, feature_columns)
    excluded = log.to_frame()
    session_frame = _sessions_frame(sessions)
    rows = [s.feature_rows for s in sessions if s.feature_rows is not None]
    exchanges = pd.concat(
        [s.dialogue.exchanges.assign(dialogue_id=s.dialogue.dialogue_id) for s in sessions],
        ignore_index=True,
    )
    exchanges = exchanges[_exchange_column_order(exchanges.columns)]

    def stack(field: str) -> pd.DataFrame:
        return pd.concat([getattr(q, field) for q in ratings]).sort_index()[list(RAPPORT_ITEMS)]

    return Bunch(
        dialogues=[s.dialogue for s in sessions],
        sessions=session_frame,
        exchanges=exchanges,
        features=features,
        feature_rows=pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=_ROWS),
        ratings_post=stack("post"),
        ratings_pre=stack("pre"),
        ratings_third_party=stack("third_party"),
        excluded=excluded,
        feature_columns=feature_columns,
        DESCR=_describe(folders, columns, session_frame, features, feature_columns, excluded),
    )
