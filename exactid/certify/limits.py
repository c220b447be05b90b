"""The largest inputs the independent checker accepts; certificates beyond them are refused up front.

The checker defines the same numbers in its own modules (it imports nothing from here);
``tests/test_vocabulary.py`` checks that both agree.  Refusing before any work means a
certificate that is written can always be checked.
"""

from __future__ import annotations

from ..errors import ResourceError

#: Largest conductor n of Q(zeta_n) in a certificate (checker: ``arith.MAX_CONDUCTOR``).
MAX_CONDUCTOR = 1 << 16
#: Largest butterfly size N (checker: ``butterfly.MAX_N``).
MAX_BUTTERFLY_N = 1 << 15
#: Largest size of a named two-layer product (checker: ``twolayer.MAX_NAMED_SIZE``).
MAX_NAMED_SIZE = 2048
#: Most parameters of a network in a certificate (checker: ``network.MAX_PARAMETERS``).
MAX_PARAMETERS = 100_000


def require_checkable(value: int, limit: int, what: str) -> None:
    """Refuse (``ResourceError``) a certificate whose ``what`` exceeds the checker's ``limit``.

    >>> require_checkable(4096, MAX_BUTTERFLY_N, "butterfly size")
    >>> require_checkable(1 << 16, MAX_BUTTERFLY_N, "butterfly size")
    Traceback (most recent call last):
    ...
    exactid.errors.ResourceError: butterfly size 65536 exceeds what the checker accepts (32768)
    """
    if value > limit:
        raise ResourceError(f"{what} {value} exceeds what the checker accepts ({limit})")
