"""Fixed-support two-layer identifiability for a given pair (X, Y), and support-level analysis.

The constraint class is the pair of supports (supp X, supp Y); equivalence is scaling and
permutation keeping the supports.  Decision (docs/design.md, section 3):

1. non-degeneracy: every component C_i = x_i y_i is nonzero (else ``undecided``);
2. two identical rank-one supports, or more generally a *nested* pair (supp x_j ⊆ supp x_i
   and supp y_i ⊆ supp y_j) → ``not_identifiable`` with an explicit second pair (mix the two
   components by an invertible 2×2 matrix that keeps the supports);
3. pairwise disjoint rank-one supports → ``identifiable``;
4. iterative completability succeeds → ``identifiable`` (order and spanning trees);
5. otherwise ``undecided`` with the reason.

>>> from exactid.domains import ExactMatrix
>>> X = ExactMatrix.from_rows([[1, 0], [0, 2]]); Y = ExactMatrix.from_rows([[3, 0], [0, 1]])
>>> decide_fixed(X, Y).verdict
'identifiable'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..domains import ExactMatrix
from ..errors import ShapeError
from ..supports import support_of
from ..supports.overlap import identical_classes, intersecting_pairs, iterative_completion

__all__ = ["FixedResult", "SupportAnalysis", "decide_fixed", "analyze_supports", "mix_pair"]


@dataclass
class SupportAnalysis:
    """What holds for *every* non-degenerate pair with exactly the given supports."""

    disjoint: bool
    identical: list  # classes of coinciding rank-one supports
    nested: list  # (i, j), i != j: supp x_j ⊆ supp x_i and supp y_i ⊆ supp y_j (mixable)
    intersecting: list  # pairs (i, j) with overlapping rank-one supports
    completable: bool  # iterative completability succeeds
    order: list = field(default_factory=list)
    trees: list = field(default_factory=list)
    stuck: list = field(default_factory=list)
    empty_components: list = field(default_factory=list)  # i with an empty column or row support

    @property
    def verdict(self) -> str:
        if self.empty_components:
            return "undecided"
        if self.identical or self.nested:
            return "not_identifiable"
        if self.disjoint or self.completable:
            return "identifiable"
        return "undecided"

    @property
    def reason(self) -> str:
        if self.empty_components:
            return f"components {self.empty_components} have an empty support (degenerate)"
        if self.identical:
            return f"rank-one supports coincide for components {self.identical[0]}"
        if self.nested:
            i, j = self.nested[0]
            return (f"components {i} and {j} can be mixed: supp x_{j} ⊆ supp x_{i} and supp y_{i} ⊆ "
                    f"supp y_{j}")
        if self.disjoint:
            return "rank-one supports are pairwise disjoint"
        if self.completable:
            return "iterative rank-one completability succeeds"
        return (f"iterative completability is stuck with components {self.stuck} active and no two "
                "rank-one supports coincide")


def analyze_supports(SX, SY) -> SupportAnalysis:
    """Support-level analysis: which sufficient condition holds for the supports (S_X, S_Y)."""
    SX, SY = np.asarray(SX, dtype=bool), np.asarray(SY, dtype=bool)
    if SX.ndim != 2 or SY.ndim != 2 or SX.shape[1] != SY.shape[0]:
        raise ShapeError(f"supports of shapes {SX.shape} and {SY.shape} do not chain")
    empty = [i for i in range(SX.shape[1]) if not SX[:, i].any() or not SY[i].any()]
    pairs = intersecting_pairs(SX, SY)
    completion = iterative_completion(SX, SY)
    r = SX.shape[1]
    nested = [(i, j) for i in range(r) for j in range(r) if i != j and i not in empty and j not in empty
              and not (SX[:, j] & ~SX[:, i]).any() and not (SY[i] & ~SY[j]).any()]
    return SupportAnalysis(disjoint=not pairs, identical=identical_classes(SX, SY), nested=nested,
                           intersecting=pairs,
                           completable=completion.success, order=completion.order, trees=completion.trees,
                           stuck=completion.stuck, empty_components=empty)


@dataclass
class FixedResult:
    verdict: str
    reason: str
    analysis: Optional[SupportAnalysis] = None
    second: Optional[tuple] = None  # (X2, Y2) for not_identifiable


def mix_pair(X: ExactMatrix, Y: ExactMatrix, i: int, j: int) -> tuple[ExactMatrix, ExactMatrix]:
    """Second factorization: x_i ← x_i + x_j and y_j ← y_j − y_i (product unchanged).

    The new pair keeps the supports when supp x_j ⊆ supp x_i and supp y_i ⊆ supp y_j (a
    *nested* pair, e.g. identical rank-one supports); the caller checks that its component
    (x_i + x_j) y_i differs from every original component.
    """
    r = X.shape[1]
    E = ExactMatrix.identity(r, X.field).num.copy()
    E[0, j, i] = 1  # X2 = X E adds column j to column i
    G = ExactMatrix(X.field, E, 1)
    E_inv = ExactMatrix.identity(r, X.field).num.copy()
    E_inv[0, j, i] = -1  # E^-1 subtracts row i from row j
    Ginv = ExactMatrix(X.field, E_inv, 1)
    return X @ G, Ginv @ Y


def _components_differ(X, Y, X2, Y2) -> bool:
    """Some component of (X2, Y2) equals no component of (X, Y) (so the pairs are inequivalent)."""
    r = X.shape[1]
    first = [X[:, [t]] @ Y[[t], :] for t in range(r)]
    for t in range(r):
        c2 = X2[:, [t]] @ Y2[[t], :]
        if all(not (c2 == c) for c in first):
            return True
    return False


def decide_fixed(X: ExactMatrix, Y: ExactMatrix) -> FixedResult:
    """Decide identifiability of the pair (X, Y) for the fixed supports (supp X, supp Y)."""
    if X.shape[1] != Y.shape[0]:
        raise ShapeError(f"X is {X.shape} and Y is {Y.shape}: inner dimensions differ")
    if X.field != Y.field:
        raise ShapeError(f"X is over {X.field.name} and Y over {Y.field.name}")
    analysis = analyze_supports(support_of(X), support_of(Y))
    if analysis.empty_components:
        return FixedResult("undecided", f"degenerate: components {analysis.empty_components} are zero", analysis)
    for i, j in analysis.nested:
        X2, Y2 = mix_pair(X, Y, i, j)
        if _components_differ(X, Y, X2, Y2):
            return FixedResult("not_identifiable", analysis.reason if analysis.identical else
                               f"components {i} and {j} can be mixed keeping the supports", analysis, (X2, Y2))
    if analysis.nested:
        return FixedResult("undecided", "mixable components, but no mixed pair was shown inequivalent", analysis)
    return FixedResult(analysis.verdict, analysis.reason, analysis)
