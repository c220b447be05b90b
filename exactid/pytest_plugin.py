"""pytest plugin: one test item per exactid certificate.

Registered through the ``pytest11`` entry point, so it is active wherever exactid is
installed, but it does nothing unless asked:

.. code-block:: console

    $ pytest --exactid-certificates proofs/ --exactid-certificates more/cert.json.gz

Each certificate file (``.json`` / ``.json.gz``, folders searched recursively) becomes a test
``exactid-certificate::<path>`` that passes iff the independent checker accepts it; a
failure shows the checker's one-line verdict (step, kind, reason).  Nothing is imported from
exactid until a certificate is actually collected, so ordinary test runs pay nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

OPTION = "--exactid-certificates"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("exactid", "exactid certificates")
    group.addoption(OPTION, action="append", default=[], metavar="PATH", dest="exactid_certificates",
                    help="check the exactid certificates in PATH (file or folder, recursive); repeatable")


class CertificateError(Exception):
    """A certificate the checker does not accept."""


class CertificateItem(pytest.Item):
    """One certificate file, checked by :func:`exactid.checker.check_file`."""

    def __init__(self, *, certificate: str, **kwargs):
        super().__init__(**kwargs)
        self.certificate = certificate

    def runtest(self) -> None:
        from exactid.checker import check_file

        outcome = check_file(self.certificate)
        if outcome.status != "valid":
            raise CertificateError(outcome.line())

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CertificateError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"exactid-certificate {self.certificate}"


class CertificateCollection(pytest.Collector):
    """The certificates named by ``--exactid-certificates``."""

    def __init__(self, *, paths: list[str], **kwargs):
        super().__init__(**kwargs)
        self.paths = paths

    def collect(self):
        from exactid.checker.core import certificate_files

        for path in self.paths:
            files = certificate_files(path) if os.path.exists(path) else [path]
            for file in files:
                yield CertificateItem.from_parent(self, name=file, certificate=file, path=Path(file).absolute(),
                                                  nodeid=f"exactid-certificate::{file}")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    paths = config.getoption("exactid_certificates", default=None)
    if not paths:
        return
    collection = CertificateCollection.from_parent(session, name="exactid-certificates", paths=list(paths),
                                                   nodeid="exactid-certificates")
    collected = list(collection.collect())
    # report the collection so that pytest's "collected N items" counts the certificates
    config.hook.pytest_collectreport(report=pytest.CollectReport(collection.nodeid, "passed", None, collected))
    items.extend(collected)
