"""The selection placebo beside Tables 3 and 4: known answers on constructed scores."""

from __future__ import annotations

import pandas as pd
import pytest

from hazumi_sk.reproduction import PRESETS, SINGLE_TASK_ALPHA
from hazumi_sk.reproduction._tables import placebo_control, placebo_plan


def _summary():
    rows = [
        ("L", 0.3, 0.70), ("L", 0.7, 0.60), ("L+V", 0.3, 0.66), ("L+V", 0.7, 0.58),
        ("L", SINGLE_TASK_ALPHA, 0.65), ("L+V", SINGLE_TASK_ALPHA, 0.62),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["feature_set", "alpha", "mean"])
    return frame.assign(item="worthwhile", model="LSTM(1-128)", ci_low=0.0, ci_high=1.0)


def _placebo_scores():
    # Two folds per cell; cell means: L 0.65 / 0.73, L+V 0.62 / 0.60.
    means = {("L", 0): (0.6, 0.7), ("L", 1): (0.70, 0.76), ("L+V", 0): (0.6, 0.64),
             ("L+V", 1): (0.55, 0.65)}  # fmt: skip
    rows = [
        {"item": "worthwhile", "feature_set": fs, "seed_offset": k, "fold": f, "score": s}
        for (fs, k), scores in means.items()
        for f, s in enumerate(scores)
    ]
    return pd.DataFrame(rows)


def test_placebo_plan_gives_the_single_task_as_many_draws_as_the_multitask_side():
    plan = placebo_plan(["worthwhile"], ["L", "L+V", "ALL"], n_alphas=5)
    assert len(plan) == 3 * 5
    assert set(plan["alpha"]) == {SINGLE_TASK_ALPHA}
    assert sorted(set(plan["seed_offset"])) == [0, 1, 2, 3, 4]


def test_placebo_control_gains_by_hand():
    grids = {"worthwhile": (["L", "L+V"], [0.3, 0.7])}
    table = placebo_control(
        _summary(), _placebo_scores(), {}, grids, PRESETS["quick"],
        nested_grid=None, nested_items=[], seed=0, n_jobs=1, cache_dir=None,
    )  # fmt: skip
    row = table.iloc[0]
    assert row["paper_protocol_gain"] == pytest.approx(0.70 - 0.65)
    assert row["placebo_gain"] == pytest.approx(0.73 - 0.65)  # the L seed-1 cell
    assert (row["n_multitask_cells"], row["n_placebo_cells"]) == (4, 4)
    assert pd.isna(row["nested_gain"])
