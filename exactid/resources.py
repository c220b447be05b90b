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
