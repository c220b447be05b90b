"""Up-front memory checks: refuse work that cannot fit before starting it."""

from __future__ import annotations

import os

from .errors import ResourceError


def available_memory_bytes() -> int:
    """Physical memory currently available (falls back to total physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - exotic platforms
        return 1 << 40


def ensure_fits(estimated_bytes: int, what: str) -> None:
    """Raise :class:`ResourceError` when ``estimated_bytes`` exceeds 80% of free memory."""
    limit = int(available_memory_bytes() * 0.8)
    if estimated_bytes > limit:
        raise ResourceError(
            f"{what} needs about {estimated_bytes / 2**30:.1f} GiB, "
            f"more than the {limit / 2**30:.1f} GiB available"
        )


# Sizes a user can choose, bounded by what the independent checker accepts (so that nothing
# is generated that the checker would refuse); tests/test_hardening.py imports both sides.
MAX_CONDUCTOR = 1 << 16
"""Largest conductor n of Q(zeta_n) (checker: ``exactid.checker.arith.MAX_CONDUCTOR``)."""
MAX_BUTTERFLY_N = 1 << 15
"""Largest butterfly size N (checker: ``exactid.checker.butterfly.MAX_N``)."""
MAX_NAMED_TWO_LAYER_N = 2048
"""Largest named two-layer matrix size (checker: ``exactid.checker.twolayer.MAX_NAMED_SIZE``)."""
MAX_NETWORK_PARAMETERS = 100_000
"""Most parameters of a network (checker: ``exactid.checker.network.MAX_PARAMETERS``)."""
MAX_MATRIX_COEFFICIENTS = 50_000_000
"""Most rational coefficients of one matrix (checker: ``exactid.checker.matrices.MAX_ENTRIES``)."""
MAX_CERTIFICATE_DIGITS = 100_000
"""Most digits of one integer in a certificate (checker: ``exactid.checker.arith.MAX_DIGITS``); user
input is capped far lower (``exactid.io.limits.MAX_INT_DIGITS``), results of exact work may grow."""


def refuse_above(value: int, limit: int, what: str, bytes_needed: int | None = None) -> None:
    """ResourceError when ``value`` exceeds ``limit``, with the memory estimate when known."""
    if value > limit:
        estimate = f" (it would need about {format_bytes(bytes_needed)})" if bytes_needed else ""
        raise ResourceError(f"{what} {value} exceeds the limit {limit}{estimate}")


def format_bytes(count: int) -> str:
    """``1.5 GiB``-style text for an estimate."""
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            return f"{count / (1 << shift):.1f} {unit}"
    return f"{count} bytes"


def ensure_network_fits(net, samples: int) -> None:
    """Refuse a network beyond the checker's parameter limit, or whose Jacobian on ``samples``
    points (samples x outputs rows, one column per parameter) cannot fit in memory."""
    refuse_above(net.num_parameters, MAX_NETWORK_PARAMETERS, "the number of network parameters")
    ensure_fits(16 * max(samples, 1) * net.widths[-1] * net.num_parameters,
                f"the Jacobian of a {net.num_parameters}-parameter network on {samples} samples")
