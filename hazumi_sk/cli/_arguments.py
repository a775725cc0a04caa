"""Argument types and data options shared by the subcommands.

Every value is checked by argparse while the command line is parsed, so a bad
argument stops the command (exit 2, ``hazumi-sk <command>: error: argument ...``)
before any data is loaded or any model trained.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..datasets import RAPPORT_ITEMS, SUPPORTED_VERSIONS, VERSION_SETTINGS
from ..vocabulary import NAMED_TEXT_ENCODERS, parse_modalities

#: Versions loaded when ``--versions`` is not given: the paper's self-rated,
#: in-person corpora (the only ones with exchange self-sentiment).
DEFAULT_VERSIONS = ("1902", "1911")
COLUMN_POLICIES = ("common", "union", "harmonized")


class CommandError(ValueError):
    """A bad command-line argument; the message names the parameter."""


def _number(kind: type, low: float | None, high: float | None, what: str) -> Callable:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text}")
        return value

    parse.__name__ = what
    return parse


positive_int = _number(int, 1, None, "an integer >= 1")
nonnegative_int = _number(int, 0, None, "an integer >= 0")
unit_float = _number(float, 0.0, 1.0, "a number in [0, 1]")


def n_jobs(text: str) -> int:
    """``--n-jobs``: -1 (all cores) or a positive count, as in joblib."""
    value = _number(int, -1, None, "-1 or an integer >= 1")(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected -1 or an integer >= 1, got 0")
    return value


def alpha(text: str) -> float:
    """A multitask loss weight in (0, 1); 1 is the single task and is added by the presets."""
    value = _number(float, 0.0, 1.0, "a loss weight in (0, 1]")(text)
    if value == 0.0:
        raise argparse.ArgumentTypeError(
            "expected a loss weight in (0, 1], got 0 (alpha 0 ignores the dialogue label)"
        )
    return value


def output_folder(text: str) -> Path:
    """A folder to write into: absent (created) or an existing folder, never a file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} exists and is not a folder")
    return path


def output_file(text: str) -> Path:
    """A file to write: absent or an existing file, never a folder; its folder is created."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a folder, not a file")
    if path.parent.exists() and not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{path.parent} is not a folder")
    return path


def existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"file {path} does not exist")
    return path


DEVICES = ("cpu", "cuda")


def add_compute_arguments(parser: argparse.ArgumentParser, *, backend: bool = True) -> None:
    """``--device`` (and, with ``backend``, ``--backend`` and ``--address``)."""
    from ..evaluation import BACKENDS

    parser.add_argument(
        "--device", choices=DEVICES, default="cpu",
        help="where every network trains (cpu); cuda also trains networks of one shape together",
    )  # fmt: skip
    if not backend:
        return
    parser.add_argument(
        "--backend", choices=BACKENDS, default="local",
        help="where the fits run: joblib's local processes, a Dask or a Ray cluster (local)",
    )  # fmt: skip
    parser.add_argument(
        "--address", default=None,
        help="an existing Dask scheduler (tcp://host:8786) or Ray cluster (auto, "
        "ray://host:10001); without it --backend dask/ray starts a local one",
    )  # fmt: skip


def check_device(device: str) -> str:
    """``--device``: cuda only where torch sees a CUDA GPU."""
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise CommandError(
            f"--device cuda: CUDA is not available here (torch {torch.__version__}, "
            "torch.cuda.is_available() is False); use --device cpu or install a CUDA build."
        )
    return device


def check_backend(backend: str, address: str | None) -> None:
    """``--backend``/``--address``: an address needs dask or ray, and their package installed."""
    if address is not None and backend == "local":
        raise CommandError("--address: needs --backend dask or --backend ray.")
    package = {"dask": "distributed", "ray": "ray"}.get(backend)
    if package is not None:
        import importlib.util

        if importlib.util.find_spec(package) is None:
            raise CommandError(
                f"--backend {backend}: {package} is not installed; "
                f'pip install "hazumi-sk[{backend}]".'
            )


@contextlib.contextmanager
def compute_context(args: argparse.Namespace) -> Iterator[None]:
    """Run the command's fits on ``--device``, through ``--backend`` (checked first)."""
    from ..evaluation import compute_backend, compute_options

    device = check_device(args.device)
    backend = getattr(args, "backend", "local")
    address = getattr(args, "address", None)
    check_backend(backend, address)
    workers = args.n_jobs if getattr(args, "n_jobs", None) and args.n_jobs > 0 else None
    with compute_backend(backend, address, n_workers=workers), compute_options(device=device):
        yield


def check_items(items: list[str] | None, parameter: str) -> tuple[str, ...]:
    """The named rapport items (all 18 when none are named); unknown names are an error."""
    if not items:
        return tuple(RAPPORT_ITEMS)
    unknown = [i for i in items if i not in RAPPORT_ITEMS]
    if unknown:
        raise CommandError(
            f"{parameter}: unknown item(s) {unknown}; choose from {list(RAPPORT_ITEMS)}."
        )
    return tuple(items)


def check_feature_set(feature_set: str, parameter: str) -> list[str]:
    """The modality tags of one feature set, in the package's grammar (``L+V``, ``ALL``)."""
    try:
        return parse_modalities(feature_set)
    except (TypeError, ValueError) as error:
        raise CommandError(f"{parameter}: unknown feature set {feature_set!r}: {error}") from error


def check_no_duplicates(values: list[str], parameter: str) -> None:
    if len(set(values)) != len(values):
        raise CommandError(f"{parameter}: duplicates in {values}.")


def check_text_encoder(text_encoder: str | None, linguistic: str) -> str | None:
    """``--text-encoder``: only with transcript L, a named encoder or a local model folder."""
    if text_encoder is None:
        return None
    if linguistic != "transcripts":
        raise CommandError(f"--text-encoder needs --linguistic transcripts (got {linguistic}).")
    if text_encoder not in NAMED_TEXT_ENCODERS and not Path(text_encoder).is_dir():
        raise CommandError(
            f"--text-encoder: {text_encoder!r} is neither one of {list(NAMED_TEXT_ENCODERS)} "
            "nor a local model folder."
        )
    return text_encoder


def check_shippable_method(method: str, parameter: str) -> str:
    """A leaderboard method that can be trained and shipped (not a reference that reads labels)."""
    from ..leaderboard import METHODS

    check_methods([method], parameter, [])
    if METHODS[method].needs_exchange_labels:
        raise CommandError(
            f"{parameter}: {method!r} reads the true exchange labels at prediction time; it is "
            "a reference line, not a model to ship."
        )
    return method


def check_methods(methods: list[str] | None, parameter: str, default: list[str]) -> list[str]:
    """Leaderboard method names: known, importable here, no duplicates (``default`` if none)."""
    from ..leaderboard import METHODS, available_methods

    available = available_methods()
    if not methods:
        return list(default)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise CommandError(f"{parameter}: unknown method(s) {unknown}; choose from {available}.")
    missing = [m for m in methods if m not in available]
    if missing:
        raise CommandError(
            f"{parameter}: {missing} not available in this installation; use {available}."
        )
    check_no_duplicates(methods, parameter)
    return list(methods)


def check_paper_tables(path: str | None) -> Path | None:
    """``--paper-tables``: None (the paper's tables shipped with the package) or a folder."""
    if path is None:
        return None
    folder = Path(path)
    if not folder.is_dir():
        raise CommandError(f"--paper-tables: folder {folder} does not exist.")
    return folder


def add_data_arguments(parser: argparse.ArgumentParser, *, synthetic: bool = True) -> None:
    """``--data`` (or ``--synthetic``), ``--versions`` and ``--columns``."""
    help_data = (
        "folder holding any of "
        + ", ".join(f"Hazumi{v}/" for v in SUPPORTED_VERSIONS)
        + " (the public Hazumi corpora)"
    )
    if synthetic:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--data", help=help_data)
        source.add_argument("--synthetic", action="store_true", help="the synthetic corpus")
    else:
        parser.add_argument("--data", required=True, help=help_data)
    versions = ", ".join(f"{v} ({VERSION_SETTINGS[v]})" for v in SUPPORTED_VERSIONS)
    parser.add_argument(
        "--versions", nargs="+", choices=SUPPORTED_VERSIONS, default=None,
        help=f"corpus versions to load: {versions}; default "
        f"{' + '.join(DEFAULT_VERSIONS)} where present, else every version found",
    )  # fmt: skip
    parser.add_argument(
        "--columns", choices=COLUMN_POLICIES, default=None,
        help="feature columns across versions (load_hazumi's policy); default 'common' for "
        "1902/1911 alone, 'harmonized' when an online corpus (2010, 2012) is included",
    )  # fmt: skip


def check_data_dir(path: str | None, versions: list[str] | None) -> tuple[Path, list[str]]:
    """The data folder and the versions to load from it (named in every error)."""
    if path is None:
        raise CommandError("--data is required (a folder holding Hazumi<version>/ folders).")
    data = Path(path)
    if not data.is_dir():
        raise CommandError(f"--data: data folder {data} does not exist.")
    found = [v for v in SUPPORTED_VERSIONS if (data / f"Hazumi{v}").is_dir()]
    if not found:
        raise CommandError(
            f"--data: {data} holds none of {', '.join(f'Hazumi{v}/' for v in SUPPORTED_VERSIONS)}."
        )
    if versions:
        missing = [v for v in versions if v not in found]
        if missing:
            raise CommandError(
                f"--versions: {', '.join(f'Hazumi{v}/' for v in missing)} not in {data} "
                f"(it holds {', '.join(found)})."
            )
        return data, list(dict.fromkeys(versions))
    default = [v for v in DEFAULT_VERSIONS if v in found]
    return data, default or found


def column_policy(columns: str | None, versions: list[str]) -> str:
    """The user's ``--columns``, else common for the in-person corpora, harmonized otherwise."""
    if columns is not None:
        return columns
    return "common" if set(versions) <= set(DEFAULT_VERSIONS) else "harmonized"


def load_corpus(
    data: Path,
    versions: list[str],
    columns: str,
    linguistic: str = "dumpfile",
    text_encoder: str | None = None,
    cache_dir: Path | None = None,
) -> Any:
    """``load_hazumi`` with the L block rebuilt from the transcripts when asked.

    With ``cache_dir`` the encoded transcripts are kept there and reused by a later
    call on the same transcripts and encoder (``replace_linguistic``'s cache).
    """
    from ..datasets import load_hazumi

    dataset = load_hazumi(data, versions=versions, columns=columns)
    if linguistic == "transcripts":
        from ..features import replace_linguistic

        dataset = replace_linguistic(dataset, text_encoder=text_encoder, cache_dir=cache_dir)
    return dataset
