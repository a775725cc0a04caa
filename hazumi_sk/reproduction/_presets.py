"""How much of the paper to run: architectures, alphas, tables and the presets."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..vocabulary import PAPER_FEATURE_SETS

#: The recurrent architectures of the paper's Table 2 (name as printed there).
ARCHITECTURES: dict[str, dict[str, Any]] = {
    "GRU(1-128)": {"cell": "gru", "hidden_size": 128, "num_layers": 1},
    "LSTM(1-128)": {"cell": "lstm", "hidden_size": 128, "num_layers": 1},
    "LSTM(2-128)": {"cell": "lstm", "hidden_size": 128, "num_layers": 2},
    "LSTM(1-64)": {"cell": "lstm", "hidden_size": 64, "num_layers": 1},
}
ALPHAS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
TABLES: tuple[str, ...] = ("table1", "table2", "table3", "table4", "table5")
#: The single-task model is the multitask one with all weight on the dialogue loss.
SINGLE_TASK_ALPHA = 1.0


@dataclass(frozen=True)
class Preset:
    """How much of the paper to run and how hard to train.

    ``hidden_size``/``head_size`` of None keep the paper's sizes; smaller
    values (demo, tests) shrink every architecture proportionally.
    """

    name: str
    tables: tuple[str, ...]
    max_epochs: int = 60
    n_splits: int = 5
    n_repeats: int = 1
    alphas: tuple[float, ...] = ALPHAS
    feature_sets: tuple[str, ...] = PAPER_FEATURE_SETS
    architectures: tuple[str, ...] = tuple(ARCHITECTURES)
    hidden_scale: float = 1.0
    head_size: int = 128
    batch_size: int = 8
    lr: float = 0.001
    nested: bool = False
    n_inner_splits: int = 4
    #: Grids of the tables beyond worthwhile (Tables 4 and 5) and of the nested CV;
    #: None means the preset's ``feature_sets`` / ``alphas``. Smaller grids keep the
    #: 18-item table within an afternoon on 2 cores.
    table4_feature_sets: tuple[str, ...] | None = None
    table4_alphas: tuple[float, ...] | None = None
    table5_alphas: tuple[float, ...] | None = None
    nested_feature_sets: tuple[str, ...] | None = None
    nested_alphas: tuple[float, ...] | None = None
    #: Torch threads per fit: 1 avoids oversubscription when fits run side by side
    #: (joblib workers, other processes); small recurrent nets gain nothing from more.
    torch_threads: int | None = 1


ODD_ALPHAS: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 0.9)

PRESETS: dict[str, Preset] = {
    # Tables 1 and 3 for worthwhile with the paper's training (60 epochs) and one
    # stratified 5-fold run, on every other alpha so that it fits in 30 min on 2 cores.
    "quick": Preset("quick", tables=("table1", "table3"), alphas=ODD_ALPHAS),
    # All five tables and the nested CV in about 2 hours on 2 cores: Tables 2 and 3
    # as in quick, Tables 4 and 5 on a reduced grid (the report lists it).
    "full": Preset(
        "full",
        tables=TABLES,
        alphas=ODD_ALPHAS,
        nested=True,
        n_inner_splits=3,
        table4_feature_sets=("L+V", "ALL"),
        table4_alphas=(0.7,),
        table5_alphas=(0.7,),
        nested_feature_sets=("L", "L+V", "ALL"),
        nested_alphas=(0.7,),
    ),
    # The paper's complete grid (all nine alphas, every feature set for every item) and
    # nested CV over the Table 3 grid: about 6,000 fits, about 15 h on 2 cores.
    "paper": Preset("paper", tables=TABLES, nested=True),
}


def grid_of(preset: Preset, part: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """``(feature_sets, multitask alphas)`` of one part of the run.

    ``part`` is "table3", "table4", "table5" or "nested"; the single-task cell
    (alpha 1.0) is always added by the caller.
    """
    feature_sets = getattr(preset, f"{part}_feature_sets", None) or preset.feature_sets
    alphas = getattr(preset, f"{part}_alphas", None) or preset.alphas
    return tuple(feature_sets), tuple(alphas)


def part_grid(preset: Preset, part: str, feature_sets: list[str]) -> tuple[list, list]:
    """The part's feature sets (those usable here, in the user's order) and alphas + single."""
    wanted, alphas = grid_of(preset, part)
    chosen = [fs for fs in feature_sets if fs in wanted] or feature_sets
    return chosen, [*alphas, SINGLE_TASK_ALPHA]


def tiny_preset(preset: Preset) -> Preset:
    """A seconds-long variant for tests: 2 epochs, 2 folds, 2 alphas, 8-unit networks."""
    return replace(
        preset,
        max_epochs=2,
        n_splits=2,
        n_repeats=2,
        alphas=(0.5,),
        table4_alphas=None,
        table5_alphas=None,
        nested_alphas=None,
        hidden_scale=1 / 16,
        head_size=8,
        n_inner_splits=2,
    )


def parse_alpha(alpha: float | str) -> float:
    """``"single"`` -> 1.0, else the float."""
    return SINGLE_TASK_ALPHA if alpha == "single" else float(alpha)


def alpha_label(alpha: float) -> str:
    """1.0 -> ``"single"``, else ``"0.7"`` (the paper's Table 3 columns)."""
    return "single" if alpha == SINGLE_TASK_ALPHA else f"{alpha:g}"


#: The demo: a minute-scale version of the paper's study on the synthetic corpus.
DEMO_PRESET = Preset(
    "demo",
    tables=("table1", "table3"),
    max_epochs=15,
    n_splits=5,
    n_repeats=2,
    alphas=(0.3, 0.7),
    feature_sets=("L", "L+V"),
    architectures=("LSTM(1-128)",),
    hidden_scale=1 / 8,
    head_size=16,
    lr=0.01,
    nested=True,
    n_inner_splits=3,
)

#: Synthetic corpora of the demo and of its seconds-long ``--tiny`` variant.
DEMO_CORPUS = {"n_dialogues": 60, "n_exchanges": (12, 24),
               "feature_dims": {"A": 12, "L": 24, "B": 8, "V": 12}}  # fmt: skip
TINY_CORPUS = {"n_dialogues": 24, "n_exchanges": (10, 14),
               "feature_dims": {"A": 4, "L": 6, "B": 3, "V": 4}}  # fmt: skip


def demo_dataset(tiny: bool = False, random_state: int = 0):
    """The demo's synthetic corpus (:data:`DEMO_CORPUS`, or :data:`TINY_CORPUS`).

    Examples
    --------
    >>> from hazumi_sk.reproduction import demo_dataset
    >>> demo_dataset(tiny=True).features.n_dialogues
    24
    """
    from ..datasets import make_synthetic_hazumi

    return make_synthetic_hazumi(
        **(TINY_CORPUS if tiny else DEMO_CORPUS), random_state=random_state
    )
