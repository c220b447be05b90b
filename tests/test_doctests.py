"""Run the docstring examples of every exactid module (they are documentation, so they must run)."""

import doctest
import importlib
import pkgutil

import pytest

import exactid


def all_modules():
    names = []
    for info in pkgutil.walk_packages(exactid.__path__, prefix="exactid."):
        if info.name.endswith("pytest_plugin") or ".cli." in info.name and info.name.endswith("main"):
            continue
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", all_modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
