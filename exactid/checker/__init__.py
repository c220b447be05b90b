"""The independent certificate checker.

It imports only the standard library, numpy and python-flint: never the rest of exactid.
Claim handlers live one module per topic and register themselves in :data:`core.CLAIMS`
when imported; every module of this package is imported here.
"""

import importlib as _importlib
import pkgutil as _pkgutil

from .core import CLAIMS, Outcome, Rejected, check_bytes, check_document, check_file, check_paths

for _module in sorted(m.name for m in _pkgutil.iter_modules(__path__)):
    _importlib.import_module(f"{__name__}.{_module}")

__all__ = ["CLAIMS", "Outcome", "Rejected", "check_bytes", "check_document", "check_file", "check_paths"]
