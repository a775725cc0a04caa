"""The report: files exist, the paper's numbers sit next to ours, HTML is well formed."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from hazumi_sk.reproduction import ReproductionResults, load_paper_table, write_report

PAPER_TABLES = Path(__file__).resolve().parents[1].parent / "shared" / "paper" / "tables"

VOID = {"meta", "img", "br", "hr", "link", "input"}


class _BalanceChecker(HTMLParser):
    """Records unbalanced tags: every opened non-void element must close in order."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.images = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


@pytest.fixture
def paper_dir(tmp_path):
    """A minimal copy of the paper tables (known numbers), independent of ../shared."""
    d = tmp_path / "paper"
    d.mkdir()
    (d / "table1_correlations.csv").write_text(
        "item,polarity,r_third_party,sig_third_party,r_self,sig_self\n"
        "worthwhile,positive,0.037,,0.531,**\ncold,negative,-0.270,*,-0.528,**\n"
    )
    (d / "table3_multitask_alpha_worthwhile.csv").write_text(
        "feature_set,0.1,0.5,single\nL,0.648,0.615,0.691\nL+V,0.615,0.677,0.738\n"
    )
    (d / "table4_all_items.csv").write_text(
        "item,polarity,n_high_paper,n_low_paper,best_multitask,best_single,diff\n"
        "worthwhile,positive,38,22,0.817,0.738,0.079\n"
    )
    return d


def _results():
    return ReproductionResults(
        settings=pd.DataFrame({"setting": ["folds"], "value": ["5 x 2"]}),
        table1=pd.DataFrame(
            {"item": ["worthwhile", "cold"], "r_third_party": [0.1, -0.2],
             "p_third_party": [0.4, 0.1], "r_self": [0.5, -0.4], "p_self": [0.001, 0.01]}
        ),
        table3=pd.DataFrame(
            {"feature_set": ["L", "L", "L+V"], "alpha": ["0.1", "single", "0.5"],
             "mean": [0.6, 0.65, 0.7], "ci_low": [0.5, 0.55, 0.6], "ci_high": [0.7, 0.75, 0.8]}
        ),
        table4=pd.DataFrame(
            {"item": ["worthwhile"], "best_multitask": [0.8], "best_single": [0.7],
             "multitask_setting": ["L+V a=0.5"], "single_setting": ["L"],
             "n_high": [38], "n_low": [22]}
        ),
        selection=pd.DataFrame(
            {"target": ["worthwhile"], "candidates": ["alpha x feature set"],
             "paper_protocol_best": [0.8], "best_params": ['{"alpha": 0.5}'],
             "nested_mean": [0.7], "nested_ci_low": [0.6], "nested_ci_high": [0.8]}
        ),
        paired_tests=pd.DataFrame(
            {"item": ["worthwhile"], "feature_set": ["L"], "multitask_mean": [0.7],
             "single_mean": [0.65], "mean_difference": [0.05], "t": [1.0],
             "p_corrected": [0.33], "p_permutation": [0.5]}
        ),
        feature_notes=pd.DataFrame(
            {"modality": ["L"], "paper": ["BERT + POS"], "here": ["tf-idf SVD + POS"]}
        ),
        notes=["a note with `code` & <angle>"],
    )  # fmt: skip


def test_write_report_files_and_paper_numbers(tmp_path, paper_dir):
    files = write_report(_results(), tmp_path / "out", paper_tables_dir=paper_dir)
    assert files.markdown.is_file() and files.html.is_file()
    assert {p.name for p in files.figures} == {"table3.png", "table4.png"}
    assert all(p.stat().st_size > 1000 for p in files.figures)
    md = files.markdown.read_text()
    # Paper numbers are shown next to ours, with the difference.
    assert "| worthwhile | 0.100 | 0.400 | 0.500 | 0.001 | 0.037 | 0.531 | -0.031 |" in md
    assert "| L | 0.1 | 0.600 | [0.500, 0.700] | 0.648 | -0.048 |" in md
    assert "| L | single | 0.650 | [0.550, 0.750] | 0.691 | -0.041 |" in md
    assert "0.817" in md and "0.079" in md  # table 4 paper columns
    assert '| 0.800 | {"alpha": 0.5} | 0.700 | 0.600 | 0.800 | 0.100 |' in md  # optimism 0.1
    assert "tf-idf SVD + POS" in md
    assert "![Table 3 reproduced vs paper](table3.png)" in md


def test_report_html_is_standalone_and_well_formed(tmp_path, paper_dir):
    files = write_report(_results(), tmp_path, paper_tables_dir=paper_dir)
    text = files.html.read_text()
    assert text.startswith("<!DOCTYPE html>")
    checker = _BalanceChecker()
    checker.feed(text)
    assert checker.errors == [] and checker.stack == []
    # Images are relative and exist; user text is escaped; code spans rendered.
    assert checker.images == ["table3.png", "table4.png"]
    assert all((tmp_path / src).is_file() for src in checker.images)
    assert "&lt;angle&gt;" in text and "<code>code</code>" in text
    assert "<td>0.531</td>" in text


def test_report_extra_figures_are_relative(tmp_path, paper_dir):
    import matplotlib.pyplot as plt

    (tmp_path / "figs").mkdir()
    fig_path = tmp_path / "figs" / "segments.png"
    plt.figure()
    plt.savefig(fig_path)
    plt.close("all")
    res = ReproductionResults(figures=pd.DataFrame({"title": ["Segments"], "path": [fig_path]}))
    files = write_report(res, tmp_path, paper_tables_dir=paper_dir)
    assert "![Segments](figs/segments.png)" in files.markdown.read_text()


def test_report_without_paper_tables_and_bad_args(tmp_path):
    files = write_report(ReproductionResults(table3=_results().table3), tmp_path / "a",
                         paper_tables_dir=tmp_path / "a")  # fmt: skip
    assert "0.600" in files.markdown.read_text()
    with pytest.raises(TypeError, match="ReproductionResults"):
        write_report({"table1": None}, tmp_path)
    with pytest.raises(FileNotFoundError, match="paper_tables_dir"):
        write_report(ReproductionResults(), tmp_path, paper_tables_dir=tmp_path / "missing")


def test_paper_tables_ship_with_the_package():
    # Read from the installed package, not from a folder beside the checkout.
    assert load_paper_table("table3").loc[3, "0.7"] == pytest.approx(0.817)
    assert len(load_paper_table("table4")) == 18
    assert load_paper_table("table1").set_index("item").loc["worthwhile", "r_self"] == 0.531


@pytest.mark.skipif(not PAPER_TABLES.is_dir(), reason=f"paper tables not found at {PAPER_TABLES}")
@pytest.mark.parametrize("name", ["table1", "table2", "table3", "table4", "table5"])
def test_shipped_paper_tables_equal_the_transcription(name):
    pd.testing.assert_frame_equal(load_paper_table(name), load_paper_table(name, PAPER_TABLES))


def test_report_without_paper_dir_shows_shipped_numbers_and_no_path(tmp_path):
    files = write_report(_results(), tmp_path)
    md = files.markdown.read_text()
    assert "0.531" in md and "0.817" in md  # paper columns from the shipped tables
    assert "shipped with hazumi-sk" in md
    assert "/shared/" not in md and str(Path.home()) not in md


def test_writing_a_report_keeps_the_matplotlib_backend(tmp_path):
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('svg'); import pandas as pd\n"
        "import hazumi_sk.evaluation, hazumi_sk.reproduction, hazumi_sk.analysis\n"
        "from hazumi_sk.reproduction import ReproductionResults, write_report\n"
        "t3 = pd.DataFrame({'feature_set': ['L', 'L'], 'alpha': ['0.5', 'single'],\n"
        "                   'mean': [0.7, 0.6], 'ci_low': [0.6, 0.5], 'ci_high': [0.8, 0.7]})\n"
        f"write_report(ReproductionResults(table3=t3), {str(tmp_path)!r})\n"
        "print(matplotlib.get_backend())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"
    assert (tmp_path / "table3.png").stat().st_size > 1000
