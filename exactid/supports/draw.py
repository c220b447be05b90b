"""Pictures of supports: blocks of an exact cover, or rank-one supports and their overlaps.

matplotlib is an optional extra (``pip install exactid[plot]``); without it
:func:`require_matplotlib` raises :class:`~exactid.errors.InputError` with a one-line hint.
"""

from __future__ import annotations

import io

import numpy as np

from ..errors import InputError

__all__ = ["require_matplotlib", "draw_cover", "draw_overlaps", "MISSING_MATPLOTLIB"]

MISSING_MATPLOTLIB = ("drawing needs matplotlib, which is not installed; install the optional extra with "
                      "'pip install exactid[plot]' (or 'pip install matplotlib')")


def require_matplotlib():
    """Import matplotlib with a non-interactive backend, or raise a one-line InputError."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError(MISSING_MATPLOTLIB) from None
    return plt


def _label_image(labels: np.ndarray, path: str, title: str, legend: str, last_black: bool = False,
                 count: int = 0) -> None:
    plt = require_matplotlib()
    from matplotlib.colors import ListedColormap

    count = max(count, int(labels.max()) + 1 if labels.size else 1)
    rng = np.random.default_rng(0)  # fixed colours: the same picture each run
    hues = rng.permutation(max(count - 1, 1)) / max(count - 1, 1)
    import colorsys

    colours = [(1, 1, 1)] + [colorsys.hsv_to_rgb(h, 0.65, 0.9) for h in hues[: count - 1]]
    if last_black and count > 1:
        colours[-1] = (0, 0, 0)
    m, n = labels.shape
    fig, ax = plt.subplots(figsize=(min(12, max(4, 2 + n / 8)), min(12, max(4, 2 + m / 8))))
    ax.imshow(labels, cmap=ListedColormap(colours), vmin=0, vmax=max(count - 1, 1), interpolation="nearest")
    ax.set_title(title)
    ax.set_xlabel(legend)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    try:
        if hasattr(path, "write"):  # a binary stream, e.g. stdout for '-o -'
            fig.savefig(path, format="png", dpi=100)
        else:  # rendered in memory, then written atomically: no partial picture on failure
            from ..io.files import atomic_write_bytes

            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100)
            atomic_write_bytes(path, buffer.getvalue())
    finally:
        plt.close(fig)


def draw_cover(shape: tuple[int, int], blocks: list, path: str, title: str = "") -> None:
    """One colour per block ``(rows, cols)`` of a cover of an m×n support; white = uncovered."""
    labels = np.zeros(shape, dtype=np.int64)
    for t, (rows, cols) in enumerate(blocks):
        labels[np.ix_(list(rows), list(cols))] = t + 1
    _label_image(labels, path, title, f"{len(blocks)} rank-one blocks")


def draw_overlaps(SX, SY, path: str, title: str = "") -> None:
    """One colour per rank-one support S^i; entries in two or more S^i drawn black."""
    SX, SY = np.asarray(SX, bool), np.asarray(SY, bool)
    m, n = SX.shape[0], SY.shape[1]
    labels = np.zeros((m, n), dtype=np.int64)
    counts = np.zeros((m, n), dtype=np.int64)
    for i in range(SX.shape[1]):
        block = np.outer(SX[:, i], SY[i])
        labels[block] = i + 1
        counts += block
    labels[counts > 1] = SX.shape[1] + 1  # always the largest label, drawn black
    _label_image(labels, path, title, f"{SX.shape[1]} rank-one supports; black = overlaps", last_black=True,
                 count=SX.shape[1] + 2)
