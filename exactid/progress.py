"""Progress bars on stderr, shown only when stderr is a terminal (tqdm when installed)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator, Optional


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str) -> None:
        pass


def silent(*_args) -> "silent_bar":
    """A bar that draws nothing, usable where a ``progress``-like factory is expected."""
    return silent_bar()


class silent_bar(_Silent):
    """A context manager with ``update(n)`` that draws nothing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


@contextmanager
def progress(total: Optional[int], desc: str, enabled: Optional[bool] = None) -> Iterator[object]:
    """Yield an object with ``update(n)``; draws a bar only on an interactive stderr."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield _Silent()
        return
    try:
        from tqdm import tqdm
    except ImportError:
        yield _Silent()
        return
    bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True)
    try:
        yield bar
    finally:
        bar.close()
