"""Exact cover search (Knuth's Algorithm X on dictionaries of sets), iterative.

Elements are integers; each candidate block is a collection of elements.  A cover is a
set of pairwise disjoint blocks whose union is the whole universe.  The search branches on
the uncovered element with the fewest candidate blocks, so an element no block can cover
ends a branch at once.  It is iterative (no recursion limit) and stops after ``limit``
covers.

>>> exact_covers(4, [[0, 1], [2, 3], [0, 2], [1, 3], [0, 1, 2, 3]])
[[0, 1], [2, 3], [4]]
>>> count_exact_covers(4, [[0, 1], [2, 3], [0, 2], [1, 3]])
2
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from ..errors import InputError
from ..progress import progress

__all__ = ["exact_covers", "count_exact_covers"]


def exact_covers(universe: int, blocks: Sequence[Iterable[int]], limit: Optional[int] = None) -> list[list[int]]:
    """All (or the first ``limit``) exact covers of ``range(universe)``, as sorted block indices.

    Covers come out in a deterministic order (blocks tried in increasing index).
    """
    block_elems = [sorted(set(int(e) for e in b)) for b in blocks]
    cover_of: dict[int, set[int]] = {e: set() for e in range(universe)}
    for b, elems in enumerate(block_elems):
        if not elems:
            raise InputError(f"block {b} is empty")
        for e in elems:
            if e not in cover_of:
                raise InputError(f"block {b} has element {e} outside range({universe})")
            cover_of[e].add(b)
    found: list[list[int]] = []
    if universe == 0:
        return [[]]

    def select(b: int) -> list[set[int]]:
        removed = []
        for e in block_elems[b]:
            for other in cover_of[e]:
                for f in block_elems[other]:
                    if f != e:
                        cover_of[f].discard(other)
            removed.append(cover_of.pop(e))
        return removed

    def deselect(b: int, removed: list[set[int]]) -> None:
        for e in reversed(block_elems[b]):
            cover_of[e] = removed.pop()
            for other in cover_of[e]:
                for f in block_elems[other]:
                    if f != e:
                        cover_of[f].add(other)

    with progress(universe, "exact cover search") as bar:
        _search(universe, cover_of, select, deselect, found, limit, bar)
    return found


def _search(universe: int, cover_of: dict, select, deselect, found: list, limit: Optional[int], bar) -> None:
    """The backtracking loop; ``bar`` shows the most elements covered so far and the covers found."""
    deepest = 0
    # Each frame: (choices for the branching element, next index, selected block, undo data).
    frames: list[list] = []
    chosen: list[int] = []
    descend = True
    while True:
        if descend:
            covered = universe - len(cover_of)
            if covered > deepest:
                bar.update(covered - deepest)
                deepest = covered
            if not cover_of:
                found.append(sorted(chosen))
                bar.set_postfix_str(f"{len(found)} cover{'s' if len(found) != 1 else ''}")
                if limit is not None and len(found) >= limit:
                    break
                descend = False
                continue
            element = _fewest_choices(cover_of)
            frames.append([sorted(cover_of[element]), 0, None, None])
        if not frames:
            break
        frame = frames[-1]
        if frame[2] is not None:  # undo the previous choice at this level
            deselect(frame[2], frame[3])
            chosen.pop()
            frame[2] = frame[3] = None
        if frame[1] >= len(frame[0]):
            frames.pop()
            descend = False
            continue
        b = frame[0][frame[1]]
        frame[1] += 1
        frame[2], frame[3] = b, select(b)
        chosen.append(b)
        descend = True


def _fewest_choices(cover_of: dict) -> int:
    """An element with the fewest candidate blocks; stops early at 0 or 1 (forced or dead),
    which makes searches with a unique candidate per element linear."""
    best, best_len = -1, None
    for e, blocks in cover_of.items():
        size = len(blocks)
        if best_len is None or size < best_len:
            best, best_len = e, size
            if size <= 1:
                break
    return best


def count_exact_covers(universe: int, blocks: Sequence[Iterable[int]], limit: Optional[int] = None) -> int:
    """Number of exact covers (capped at ``limit`` when given)."""
    return len(exact_covers(universe, blocks, limit))
