"""Two-layer factorization of a given Z with a given support pair (I, J), by completion.

Given Z (m×n) and supports S_X (m×r), S_Y (r×n), decide whether some pair (X, Y) with
supp X ⊆ S_X, supp Y ⊆ S_Y has X Y = Z, and whether it is unique up to equivalence, by the
completion algorithm of Zheng, Riccietti and Gribonval (Identifiability in two-layer sparse
matrix factorization): components are recovered in the order of iterative completability.
For component i, the residual W = Z − Σ (recovered components) equals C_i on the
observable part of i (its rank-one support minus the other active ones), in *every*
factorization.  When the observable entries where W ≠ 0 connect all rows and columns of
the support of i, C_i is the unique rank-one completion of W along a spanning tree of those
entries, with x_i and y_i nonzero on their whole supports.  Hence:

- an entry outside every active rank-one support where the residual is nonzero proves that
  no factorization exists (``no_factorization``);
- when every component is recovered and the residual vanishes, the recovered pair is a
  factorization with exactly the given supports, and every factorization has the same
  components: ``identifiable`` (``not_identifiable`` when a component has an empty column
  support and a nonempty row support, or the reverse: that factor is free);
- otherwise ``undecided`` (completability stuck, or a tree needs an entry where W = 0).

>>> import numpy as np
>>> from exactid.domains import ExactMatrix
>>> Z = ExactMatrix.from_rows([[2, 3], [4, 6 + 5]])
>>> res = decide_given_supports(Z, np.array([[1, 0], [1, 1]], bool), np.array([[1, 1], [0, 1]], bool))
>>> res.verdict, res.X.tolist() == [[1, 0], [2, 1]]
('identifiable', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..domains import ExactMatrix
from ..errors import ShapeError
from ..supports.overlap import completion_tree, iterative_completion, observable_part, rank_one_supports

__all__ = ["GivenSupportsResult", "decide_given_supports"]


@dataclass
class GivenSupportsResult:
    verdict: str  # identifiable | not_identifiable | no_factorization | undecided
    reason: str
    X: Optional[ExactMatrix] = None  # the recovered pair (identifiable / not_identifiable)
    Y: Optional[ExactMatrix] = None
    #: (component, tree, x, y) per recovered component, in order (x, y: lists of field elements)
    recovered: list = field(default_factory=list)
    mismatch: Optional[tuple[int, int]] = None  # entry with a nonzero residual (no_factorization)


def decide_given_supports(Z: ExactMatrix, SX, SY) -> GivenSupportsResult:
    """Decide existence and uniqueness of (X, Y) with the given supports and X Y = Z."""
    SX, SY = np.asarray(SX, dtype=bool), np.asarray(SY, dtype=bool)
    m, n = Z.shape
    if SX.ndim != 2 or SY.ndim != 2 or SX.shape[0] != m or SY.shape[1] != n or SX.shape[1] != SY.shape[0]:
        raise ShapeError(f"supports of shapes {SX.shape} and {SY.shape} do not fit a {m}x{n} product")
    r = SX.shape[1]
    field_ = Z.field
    zero = field_.convert(0)
    W = [[Z.entry(i, j) for j in range(n)] for i in range(m)]  # the residual
    supports = rank_one_supports(SX, SY)
    blocks = [np.outer(SX[:, i], SY[i]) for i in range(r)]
    active = [i for i, (rows, cols) in enumerate(supports) if rows and cols]
    result = GivenSupportsResult("undecided", "")

    def contradiction() -> Optional[tuple[int, int]]:
        covered = np.any([blocks[i] for i in active], axis=0) if active else np.zeros((m, n), bool)
        for a, b in zip(*np.nonzero(~covered)):
            if W[a][b] != 0:
                return int(a), int(b)
        return None

    order = iterative_completion(SX, SY)
    for i in order.order:
        bad = contradiction()
        if bad is not None:
            break
        rows, cols = supports[i]
        observed = [(a, b) for a, b in zip(*np.nonzero(observable_part(SX, SY, i, active))) if W[a][b] != 0]
        ok, tree = completion_tree(rows, cols, observed)
        if not ok:
            result.reason = (f"component {i}: the observable entries where the residual is nonzero do not connect "
                             "its rows and columns (some factor entry is forced to zero)")
            return result
        x, y = {rows[0]: field_.convert(1)}, {}
        pending = list(tree)
        while pending:  # propagate along the tree (BFS order from rows[0] is already sorted per level)
            rest = []
            for a, b in pending:
                if a in x and b not in y:
                    y[b] = W[a][b] / x[a]
                elif b in y and a not in x:
                    x[a] = W[a][b] / y[b]
                elif a not in x:
                    rest.append((a, b))
            if len(rest) == len(pending):  # pragma: no cover - a spanning tree always propagates
                raise AssertionError("spanning tree does not propagate")
            pending = rest
        for a in rows:
            for b in cols:
                W[a][b] = W[a][b] - x[a] * y[b]
        result.recovered.append((i, tree, [x.get(a, zero) for a in range(m)], [y.get(b, zero) for b in range(n)]))
        active = [j for j in active if j != i]
    bad = contradiction()
    if bad is not None:
        result.verdict, result.mismatch = "no_factorization", bad
        a, b = bad
        result.reason = (f"entry ({a}, {b}) of Z differs from the sum of the components every factorization must "
                         "have there")
        return result
    if active:
        result.reason = f"iterative completability is stuck with components {active} active"
        return result
    X = [[zero] * r for _ in range(m)]
    Y = [[zero] * n for _ in range(r)]
    for i, _, x, y in result.recovered:
        for a in range(m):
            X[a][i] = x[a]
        for b in range(n):
            Y[i][b] = y[b]
    half = [i for i in range(r) if SX[:, i].any() != SY[i].any()]
    for i in half:  # a free factor of a zero component: any nonzero values on its support
        for a in np.flatnonzero(SX[:, i]):
            X[a][i] = field_.convert(1)
        for b in np.flatnonzero(SY[i]):
            Y[i][b] = field_.convert(1)
    result.X, result.Y = ExactMatrix.from_rows(X, field_), ExactMatrix.from_rows(Y, field_)
    if half:
        result.verdict = "not_identifiable"
        result.reason = (f"a factorization exists, and components {half} have one empty support: the other factor "
                         "is free")
    else:
        result.verdict = "identifiable"
        result.reason = "every component is the unique rank-one completion of the residual (iterative completion)"
    return result
