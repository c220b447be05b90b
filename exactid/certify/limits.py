"""The largest inputs the independent checker accepts; certificates beyond them are refused up front.

The checker defines the same numbers in its own modules (it imports nothing from here);
``tests/test_vocabulary.py`` checks that both agree.  Refusing before any work means a
certificate that is written can always be checked.
"""

from __future__ import annotations

from ..errors import ResourceError

# One definition of each limit, beside the memory checks: the domains refuse the same sizes.
from ..resources import MAX_BUTTERFLY_N, MAX_CONDUCTOR  # noqa: E402  (checker: arith / butterfly)
from ..resources import MAX_NAMED_TWO_LAYER_N as MAX_NAMED_SIZE  # noqa: E402  (checker: twolayer)
from ..resources import MAX_NETWORK_PARAMETERS as MAX_PARAMETERS  # noqa: E402  (checker: network)


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
