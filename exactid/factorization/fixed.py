"""Fixed-support two-layer identifiability for a given pair (X, Y), and support-level analysis.

The constraint class is the pair of supports (supp X, supp Y): a second pair (X', Y') has
supp X' ⊆ supp X, supp Y' ⊆ supp Y and X'Y' = XY.  Equivalence is (X D P, Pᵀ D⁻¹ Y) keeping
the supports.  Decision (docs/twolayer.md states each rule with its argument):

1. a *half-degenerate* component (x_i = 0 ≠ y_i or y_i = 0 ≠ x_i) → ``not_identifiable``:
   zeroing the other side keeps the product and changes the number of zero columns of X
   (or zero rows of Y), an invariant of equivalence; components with x_i = 0 and y_i = 0
   are forced to stay zero and play no part;
2. a *nested* pair i ≠ j (supp x_j ⊆ supp x_i and supp y_i ⊆ supp y_j, identical rank-one
   supports being the special case) → ``not_identifiable``: x_i ← x_i + t x_j,
   y_j ← y_j − t y_i keeps supports and product; among t = 1 … r + 1 some t gives a component
   equal to no original one;
3. a *shared pair* (supp x_i = supp x_j, or supp y_i = supp y_j, the other supports
   overlapping) whose shared factors are proportional (x_j = q x_i) → ``not_identifiable``:
   a shift y_i ← y_i + t e_c, y_j ← y_j − (t/q) e_c on a column c of the overlap;
4. pairwise disjoint rank-one supports, or iterative completion (recover a component whose
   observable part is connected; resolve a shared pair with independent shared factors whose
   rank-one supports meet no other active one) → ``identifiable``;
5. otherwise ``undecided`` with the reason.

>>> from exactid.domains import ExactMatrix
>>> X = ExactMatrix.from_rows([[1, 0], [0, 2]]); Y = ExactMatrix.from_rows([[3, 0], [0, 1]])
>>> decide_fixed(X, Y).verdict
'identifiable'
>>> X = ExactMatrix.from_rows([[1, 1], [1, 2]]); Y = ExactMatrix.from_rows([[1, 1, 0], [0, 1, 1]])
>>> res = decide_fixed(X, Y)
>>> res.verdict, res.events
('identifiable', [('pair', 0, 1, 'rows', (0, 1))])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..domains import ExactMatrix
from ..errors import ShapeError
from ..supports import support_of
from ..supports.overlap import (completion_tree, identical_classes, intersecting_pairs, iterative_completion,
                                observable_part, rank_one_supports)

__all__ = ["FixedResult", "SupportAnalysis", "decide_fixed", "analyze_supports", "mix_pair", "shared_pairs",
           "complete_with_pairs", "independence_witness"]


@dataclass
class SupportAnalysis:
    """What holds for *every* pair with exactly the given supports."""

    disjoint: bool
    identical: list  # classes of coinciding rank-one supports
    nested: list  # (i, j), i != j: supp x_j ⊆ supp x_i and supp y_i ⊆ supp y_j (mixable)
    intersecting: list  # pairs (i, j) with overlapping rank-one supports
    completable: bool  # iterative completability succeeds
    order: list = field(default_factory=list)
    trees: list = field(default_factory=list)
    stuck: list = field(default_factory=list)
    half_empty: list = field(default_factory=list)  # i with exactly one of supp x_i, supp y_i empty
    zero_components: list = field(default_factory=list)  # i with both empty (forced zero, no part)
    shared: list = field(default_factory=list)  # (i, j, "rows" | "cols"): a shared pair, see shared_pairs

    @property
    def verdict(self) -> str:
        if self.half_empty or self.identical or self.nested:
            return "not_identifiable"
        if any(self._shared_side_size(s) == 1 for s in self.shared):
            return "not_identifiable"  # 1-entry shared factors are always proportional
        if self.disjoint or self.completable:
            return "identifiable"
        return "undecided"

    def _shared_side_size(self, shared) -> int:
        return shared[3]

    @property
    def reason(self) -> str:
        if self.half_empty:
            return (f"components {self.half_empty} are half-degenerate (x_i = 0 or y_i = 0, not both): the "
                    "other factor can be zeroed")
        if self.identical:
            return f"rank-one supports coincide for components {self.identical[0]}"
        if self.nested:
            i, j = self.nested[0]
            return (f"components {i} and {j} can be mixed: supp x_{j} ⊆ supp x_{i} and supp y_{i} ⊆ "
                    f"supp y_{j}")
        for s in self.shared:
            if self._shared_side_size(s) == 1:
                return (f"components {s[0]} and {s[1]} share a single {s[2][:-1]} and overlap: a shift on the "
                        "overlap gives a second pair")
        if self.disjoint:
            return "rank-one supports are pairwise disjoint"
        if self.completable:
            return "iterative rank-one completability succeeds"
        if self.shared:
            i, j, side = self.shared[0][:3]
            return (f"iterative completability is stuck with components {self.stuck} active; components {i} and "
                    f"{j} share their {side}: the verdict depends on whether the shared factors are independent")
        return (f"iterative completability is stuck with components {self.stuck} active and no two "
                "rank-one supports are nested or shared")


def shared_pairs(SX, SY) -> list[tuple[int, int, str, int]]:
    """Pairs i < j with supp x_i = supp x_j ("rows") or supp y_i = supp y_j ("cols"), nonempty,
    whose other supports overlap and are incomparable (comparable ones are nested pairs), with
    the size of the shared support."""
    SX, SY = np.asarray(SX, dtype=bool), np.asarray(SY, dtype=bool)
    out = []
    r = SX.shape[1]
    for i in range(r):
        for j in range(i + 1, r):
            for side, same, A, B in (("rows", SX[:, i], SY[i], SY[j]), ("cols", SY[i], SX[:, i], SX[:, j])):
                other = SX[:, j] if side == "rows" else SY[j]
                if not same.any() or not np.array_equal(same, other) or not A.any() or not B.any():
                    continue
                if (A & B).any() and (A & ~B).any() and (B & ~A).any():
                    out.append((i, j, side, int(same.sum())))
    return out


def analyze_supports(SX, SY) -> SupportAnalysis:
    """Support-level analysis: which sufficient condition holds for the supports (S_X, S_Y)."""
    SX, SY = np.asarray(SX, dtype=bool), np.asarray(SY, dtype=bool)
    if SX.ndim != 2 or SY.ndim != 2 or SX.shape[1] != SY.shape[0]:
        raise ShapeError(f"supports of shapes {SX.shape} and {SY.shape} do not chain")
    r = SX.shape[1]
    has_x, has_y = SX.any(axis=0), SY.any(axis=1)
    half = [i for i in range(r) if has_x[i] != has_y[i]]
    zero = [i for i in range(r) if not has_x[i] and not has_y[i]]
    empty = set(half) | set(zero)
    pairs = intersecting_pairs(SX, SY)
    completion = iterative_completion(SX, SY)
    nested = [(i, j) for i in range(r) for j in range(r) if i != j and i not in empty and j not in empty
              and not (SX[:, j] & ~SX[:, i]).any() and not (SY[i] & ~SY[j]).any()]
    return SupportAnalysis(disjoint=not pairs, identical=identical_classes(SX, SY), nested=nested,
                           intersecting=pairs,
                           completable=completion.success, order=completion.order, trees=completion.trees,
                           stuck=completion.stuck, half_empty=half, zero_components=zero,
                           shared=shared_pairs(SX, SY))


@dataclass
class FixedResult:
    verdict: str
    reason: str
    analysis: Optional[SupportAnalysis] = None
    second: Optional[tuple] = None  # (X2, Y2) for not_identifiable
    #: how identifiability was shown: ("single", i, tree) or ("pair", i, j, side, (a, b)), in order
    events: list = field(default_factory=list)
    #: "components" (a component of the second pair is new) or "zero_pattern" (the numbers of
    #: zero columns of X / zero rows of Y differ)
    witness: str = "components"


def mix_pair(X: ExactMatrix, Y: ExactMatrix, i: int, j: int, t: int = 1) -> tuple[ExactMatrix, ExactMatrix]:
    """Second factorization: x_i ← x_i + t x_j and y_j ← y_j − t y_i (product unchanged).

    The new pair keeps the supports when supp x_j ⊆ supp x_i and supp y_i ⊆ supp y_j (a
    *nested* pair, e.g. identical rank-one supports); the caller checks that one of its
    components differs from every original component.
    """
    r = X.shape[1]
    E = ExactMatrix.identity(r, X.field).num.copy()
    E[0, j, i] = t  # X2 = X E adds t times column j to column i
    G = ExactMatrix(X.field, E, 1)
    E_inv = ExactMatrix.identity(r, X.field).num.copy()
    E_inv[0, j, i] = -t  # E^-1 subtracts t times row i from row j
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


def _with_entries(M: ExactMatrix, changes: dict) -> ExactMatrix:
    rows = M.tolist()
    for (a, b), value in changes.items():
        rows[a][b] = value
    return ExactMatrix.from_rows(rows, M.field)


def _factor(X: ExactMatrix, Y: ExactMatrix, t: int, side: str) -> list:
    """x_t (side "rows") or y_t (side "cols") as a list of field elements."""
    return [X.entry(a, t) for a in range(X.nrows)] if side == "rows" else [Y.entry(t, b) for b in range(Y.ncols)]


def independence_witness(X, Y, i: int, j: int, side: str) -> Optional[tuple[int, int]]:
    """Indices (a, b) where the 2x2 minor of the shared factors [f_i f_j] is nonzero, or None
    when f_j is proportional to f_i."""
    fi, fj = _factor(X, Y, i, side), _factor(X, Y, j, side)
    support = [a for a in range(len(fi)) if fi[a] != 0]
    a = support[0]
    for b in support[1:]:
        if fi[a] * fj[b] - fi[b] * fj[a] != 0:
            return (a, b)
    return None


def _shift(X, Y, i: int, j: int, side: str, t: int) -> tuple[ExactMatrix, ExactMatrix]:
    """f_j = q f_i on the shared side: move t at one overlap index from component i to j.

    side "rows": y_i[c] += t, y_j[c] -= t/q (so x_i y_i + x_j y_j is unchanged); "cols": the same on X."""
    fi, fj = _factor(X, Y, i, side), _factor(X, Y, j, side)
    a = next(k for k in range(len(fi)) if fi[k] != 0)
    q = fj[a] / fi[a]
    if side == "rows":
        c = next(b for b in range(Y.ncols) if Y.entry(i, b) != 0 and Y.entry(j, b) != 0)
        return X, _with_entries(Y, {(i, c): Y.entry(i, c) + t, (j, c): Y.entry(j, c) - t / q})
    c = next(b for b in range(X.nrows) if X.entry(b, i) != 0 and X.entry(b, j) != 0)
    return _with_entries(X, {(c, i): X.entry(c, i) + t, (c, j): X.entry(c, j) - t / q}), Y


def complete_with_pairs(X: ExactMatrix, Y: ExactMatrix, SX, SY) -> tuple[list, list]:
    """Iterative completion that also resolves shared pairs with independent shared factors.

    Returns ``(events, stuck)``.  A component is recovered when its observable part (its
    rank-one support minus the other active ones) is connected; when none is, a shared pair
    (i, j) whose two rank-one supports meet no other active one and whose shared factors are
    linearly independent is recovered as a whole (docs/twolayer.md, rule 4).
    """
    supports = rank_one_supports(SX, SY)
    active = [i for i, (r, c) in enumerate(supports) if r and c]
    shared = {(i, j): side for i, j, side, _ in shared_pairs(SX, SY)}
    events: list = []
    while active:
        for i in active:
            rows, cols = supports[i]
            observed = list(zip(*np.nonzero(observable_part(SX, SY, i, active))))
            ok, tree = completion_tree(rows, cols, observed)
            if ok:
                events.append(("single", i, [(int(a), int(b)) for a, b in tree]))
                active = [j for j in active if j != i]
                break
        else:
            for (i, j), side in shared.items():
                if i not in active or j not in active:
                    continue
                union = np.outer(SX[:, i], SY[i]) | np.outer(SX[:, j], SY[j])
                if any((union & np.outer(SX[:, s], SY[s])).any() for s in active if s not in (i, j)):
                    continue
                witness = independence_witness(X, Y, i, j, side)
                if witness is not None:
                    events.append(("pair", i, j, side, witness))
                    active = [s for s in active if s not in (i, j)]
                    break
            else:
                return events, active
    return events, []


def decide_fixed(X: ExactMatrix, Y: ExactMatrix) -> FixedResult:
    """Decide identifiability of the pair (X, Y) for the fixed supports (supp X, supp Y)."""
    if X.shape[1] != Y.shape[0]:
        raise ShapeError(f"X is {X.shape} and Y is {Y.shape}: inner dimensions differ")
    if X.field != Y.field:
        raise ShapeError(f"X is over {X.field.name} and Y over {Y.field.name}")
    SX, SY = support_of(X), support_of(Y)
    analysis = analyze_supports(SX, SY)
    r = X.shape[1]
    if analysis.half_empty:
        i = analysis.half_empty[0]
        if SX[:, i].any():
            X2, Y2 = _with_entries(X, {(a, i): 0 for a in range(X.nrows)}), Y
        else:
            X2, Y2 = X, _with_entries(Y, {(i, b): 0 for b in range(Y.ncols)})
        return FixedResult("not_identifiable", f"component {i} is half-degenerate: x_{i} y_{i} = 0 with the "
                           f"other factor nonzero, which can be set to zero", analysis, (X2, Y2),
                           witness="zero_pattern")
    # r + 1 values of t: each original component equals the new one for at most one t
    for i, j in analysis.nested:
        for t in range(1, r + 2):
            X2, Y2 = mix_pair(X, Y, i, j, t)
            if _components_differ(X, Y, X2, Y2):
                return FixedResult("not_identifiable", analysis.reason if analysis.identical else
                                   f"components {i} and {j} can be mixed keeping the supports", analysis, (X2, Y2))
    for i, j, side, _ in analysis.shared:
        if independence_witness(X, Y, i, j, side) is None:
            for t in range(1, r + 2):
                X2, Y2 = _shift(X, Y, i, j, side, t)
                if _components_differ(X, Y, X2, Y2):
                    return FixedResult("not_identifiable", f"components {i} and {j} share their {side} with "
                                       "proportional factors: a shift on the overlap keeps the product", analysis,
                                       (X2, Y2))
    if analysis.nested:  # pragma: no cover - some t in 1..r+1 always works (see docs/twolayer.md)
        return FixedResult("undecided", "mixable components, but no mixed pair was shown inequivalent", analysis)
    if analysis.disjoint:
        return FixedResult("identifiable", analysis.reason, analysis)
    events, stuck = complete_with_pairs(X, Y, SX, SY)
    if not stuck:
        how = "iterative rank-one completability succeeds"
        if any(e[0] == "pair" for e in events):
            how += " once shared pairs with independent shared factors are resolved"
        return FixedResult("identifiable", how, analysis, events=events)
    return FixedResult("undecided", f"iterative completability is stuck with components {stuck} active, and no "
                       "shared pair with independent factors can be resolved", analysis, events=events)
