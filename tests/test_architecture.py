"""House rules of docs/architecture.rst checked on the source: public examples use only
public modules, and one module alone touches scikit-learn's private parameter validation."""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import re
from pathlib import Path

import pytest

import hazumi_sk

PACKAGE = Path(hazumi_sk.__file__).resolve().parent
SUBPACKAGES = sorted(
    f"hazumi_sk.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()
)
#: The one module allowed to import ``sklearn.utils._param_validation``.
PARAM_VALIDATION_HOME = PACKAGE / "utils" / "_param_validation.py"


def private_imports(source: str) -> list[str]:
    """Modules or names starting with ``_`` that ``source`` imports from hazumi_sk."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [(node.module, [alias.name for alias in node.names])]
        else:
            continue
        for module, names in modules:
            if module.split(".")[0] != "hazumi_sk":
                continue
            parts = module.split(".")[1:] + names
            if any(p.startswith("_") and p != "__version__" for p in parts):
                found.append(f"{module}: {', '.join(names)}" if names else module)
    return found


def example_imports(doc: str | None) -> list[str]:
    """Private hazumi_sk imports in the doctest examples of one docstring."""
    if not doc:
        return []
    source = "\n".join(ex.source for ex in doctest.DocTestParser().get_examples(doc))
    try:
        return private_imports(source)
    except SyntaxError:  # a partial snippet: fall back to the import lines alone
        lines = [line for line in source.splitlines() if re.match(r"\s*(from|import) ", line)]
        return private_imports("\n".join(lines))


def public_docstrings():
    """(where, docstring) of every public package, name and public method or property."""
    for module_name in ["hazumi_sk", *SUBPACKAGES]:
        module = importlib.import_module(module_name)
        yield module_name, module.__doc__
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isroutine(obj)):
                continue
            yield f"{module_name}.{name}", inspect.getdoc(obj)
            if not inspect.isclass(obj):
                continue
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(value, staticmethod | classmethod):
                    value = value.__func__
                if isinstance(value, property):
                    value = value.fget
                if inspect.isroutine(value):
                    yield f"{module_name}.{name}.{attr}", inspect.getdoc(value)


def test_example_checker_finds_private_imports():
    doc = """Text.

    >>> import numpy as np
    >>> from hazumi_sk.model._toy import make_toy_sequences
    >>> from hazumi_sk.model import _toy
    >>> import hazumi_sk.datasets._targets as t
    >>> from hazumi_sk.model import TwoStageClassifier
    """
    assert example_imports(doc) == [
        "hazumi_sk.model._toy: make_toy_sequences",
        "hazumi_sk.model: _toy",
        "hazumi_sk.datasets._targets",
    ]
    multiline = ">>> from hazumi_sk.model import (\n...     TwoStageClassifier,\n... )"
    assert example_imports(multiline) == []


def test_public_docstring_examples_import_no_private_module():
    offenders = [
        f"{where}: {hit}" for where, doc in public_docstrings() for hit in example_imports(doc)
    ]
    assert offenders == []


def sklearn_param_validation_imports(source: str) -> list[int]:
    """Line numbers of imports of ``sklearn.utils._param_validation`` (any spelling)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        if any(n.startswith("sklearn.utils._param_validation") for n in names):
            lines.append(node.lineno)
    return lines


def test_param_validation_scanner_sees_every_spelling():
    source = (
        "import sklearn.utils._param_validation\n"
        "from sklearn.utils._param_validation import Interval\n"
        "from sklearn.utils import _param_validation\n"
        "from sklearn.utils import check_array\n"
        "from ..utils import Interval\n"
    )
    assert sklearn_param_validation_imports(source) == [1, 2, 3]


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_only_one_module_imports_sklearn_private_param_validation(path):
    if path == PARAM_VALIDATION_HOME:
        assert sklearn_param_validation_imports(path.read_text()), "the home module moved"
        return
    assert sklearn_param_validation_imports(path.read_text()) == [], (
        f"{path}: import Interval, StrOptions, ... from hazumi_sk.utils instead"
    )
