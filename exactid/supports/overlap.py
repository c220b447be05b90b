"""The overlap engine: rank-one supports, their intersections, and completability.

For supports S_X (m×r) and S_Y (r×n), the i-th rank-one support is
``S^i = supp(S_X[:, i]) × supp(S_Y[i, :])``.  The engine answers:

- which S^i intersect (:func:`intersecting_pairs`), which coincide
  (:func:`identical_classes`);
- the observable part ``O_i`` of S^i: its entries outside every other active S^j
  (:func:`observable_part`);
- whether a rank-one matrix with support exactly R×C is determined by its entries on a
  set Ω ⊆ R×C: iff the bipartite graph (R ⊔ C, Ω) is connected (:func:`completion_tree`,
  which returns a spanning tree as witness, or a closed component as counter-witness);
- iterative completability (:func:`iterative_completion`): repeatedly recover a component
  whose observable part is completable, then deactivate it.

>>> import numpy as np
>>> SX = np.array([[1, 0], [1, 1]], bool); SY = np.array([[1, 1], [0, 1]], bool)
>>> intersecting_pairs(SX, SY)
[(0, 1)]
>>> iterative_completion(SX, SY).order
[0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from ..errors import ShapeError
from .supports import as_support

__all__ = ["rank_one_supports", "intersecting_pairs", "identical_classes", "observable_part",
           "completion_tree", "iterative_completion", "CompletionResult", "check_pair_shapes"]


def check_pair_shapes(SX, SY) -> tuple[np.ndarray, np.ndarray]:
    SX, SY = as_support(SX), as_support(SY)
    if SX.shape[1] != SY.shape[0]:
        raise ShapeError(f"inner dimensions differ: S_X is {SX.shape}, S_Y is {SY.shape}")
    return SX, SY


def rank_one_supports(SX, SY) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """``[(rows_i, cols_i)]``: S^i = rows_i × cols_i for each inner index i."""
    SX, SY = check_pair_shapes(SX, SY)
    return [(tuple(int(v) for v in np.flatnonzero(SX[:, i])), tuple(int(v) for v in np.flatnonzero(SY[i])))
            for i in range(SX.shape[1])]


def intersecting_pairs(SX, SY) -> list[tuple[int, int]]:
    """Pairs i < j whose rank-one supports share an entry."""
    SX, SY = check_pair_shapes(SX, SY)
    rows = SX.T.astype(np.int64) @ SX.astype(np.int64) > 0  # share a row
    cols = SY.astype(np.int64) @ SY.T.astype(np.int64) > 0  # share a column
    both = np.triu(rows & cols, 1)
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(both))]


def identical_classes(SX, SY) -> list[list[int]]:
    """Classes (size ≥ 2) of inner indices with identical nonempty rank-one supports."""
    groups: dict = {}
    for i, (rows, cols) in enumerate(rank_one_supports(SX, SY)):
        if rows and cols:
            groups.setdefault((rows, cols), []).append(i)
    return sorted(g for g in groups.values() if len(g) > 1)


def observable_part(SX, SY, i: int, active) -> np.ndarray:
    """Boolean m×n mask: S^i minus the union of S^j, j ∈ active, j ≠ i."""
    SX, SY = check_pair_shapes(SX, SY)
    mask = np.outer(SX[:, i], SY[i])
    for j in active:
        if j != i:
            mask &= ~np.outer(SX[:, j], SY[j])
    return mask


def completion_tree(rows, cols, observed) -> tuple[bool, list]:
    """Spanning tree of the bipartite graph (rows ⊔ cols, observed entries), or a closed component.

    Returns ``(True, [(i, j), ...])`` — |rows| + |cols| − 1 observed entries connecting every
    row and column — or ``(False, component)`` where ``component`` is ``(rows, cols)`` of a
    connected component that is not everything (no observed entry leaves it).
    """
    g = nx.Graph()
    g.add_nodes_from(("r", int(i)) for i in rows)
    g.add_nodes_from(("c", int(j)) for j in cols)
    g.add_edges_from((("r", int(i)), ("c", int(j))) for i, j in observed)
    if g.number_of_nodes() and nx.is_connected(g):
        start = ("r", int(rows[0])) if len(rows) else ("c", int(cols[0]))
        edges = []
        for a, b in nx.bfs_edges(g, start):  # deterministic: insertion-ordered adjacency
            edges.append((a[1], b[1]) if a[0] == "r" else (b[1], a[1]))
        return True, sorted(edges)
    comp = min(nx.connected_components(g), key=lambda c: sorted(c)) if g.number_of_nodes() else set()
    return False, (sorted(v for t, v in comp if t == "r"), sorted(v for t, v in comp if t == "c"))


@dataclass
class CompletionResult:
    """Outcome of :func:`iterative_completion`."""

    success: bool
    order: list = field(default_factory=list)  # recovered components, in order
    trees: list = field(default_factory=list)  # spanning tree (list of entries) per recovered component
    stuck: list = field(default_factory=list)  # active components when no progress is possible


def iterative_completion(SX, SY) -> CompletionResult:
    """Recover components one at a time from completable observable parts (smallest index first)."""
    SX, SY = check_pair_shapes(SX, SY)
    supports = rank_one_supports(SX, SY)
    active = [i for i, (r, c) in enumerate(supports) if r and c]
    result = CompletionResult(False)
    while active:
        for i in active:
            rows, cols = supports[i]
            observed = list(zip(*np.nonzero(observable_part(SX, SY, i, active))))
            ok, tree = completion_tree(rows, cols, observed)
            if ok:
                result.order.append(i)
                result.trees.append([(int(a), int(b)) for a, b in tree])
                active = [j for j in active if j != i]
                break
        else:
            result.stuck = active
            return result
    result.success = True
    return result
