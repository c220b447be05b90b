"""Test helpers for users' own CI: assert that a folder of certificates checks.

>>> from exactid.testing import assert_certificates_valid
>>> outcomes = assert_certificates_valid("proofs")  # doctest: +SKIP

The checking is done by the independent checker (:mod:`exactid.checker`), exactly as
``exactid check`` does it.
"""

from __future__ import annotations

import os
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]


def check_certificates(*paths: PathLike) -> list:
    """One :class:`exactid.checker.Outcome` per certificate file found under ``paths``."""
    from .checker import check_paths

    return check_paths([os.fspath(p) for p in paths])


def assert_certificates_valid(*paths: PathLike, allow_empty: bool = False) -> list:
    """Raise ``AssertionError`` listing every invalid or malformed certificate under ``paths``.

    Parameters
    ----------
    paths
        Certificate files (``.json`` / ``.json.gz``) or folders, searched recursively.
    allow_empty
        Accept finding no certificate at all (by default that is an error: a mistyped
        folder must not pass silently).

    Returns
    -------
    list
        The outcomes, all valid.
    """
    if not paths:
        raise ValueError("give at least one file or folder")
    outcomes = check_certificates(*paths)
    if not outcomes and not allow_empty:
        raise AssertionError(f"no certificates found under {', '.join(map(os.fspath, paths))}")
    failures = [o.line() for o in outcomes if o.status != "valid"]
    if failures:
        raise AssertionError(f"{len(failures)} of {len(outcomes)} certificates failed:\n" + "\n".join(failures))
    return outcomes
