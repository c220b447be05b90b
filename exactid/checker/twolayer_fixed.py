"""Two-layer pairs (X, Y) for their fixed supports (docs/twolayer.md, "Fixed supports").

``identifiable``: components are recovered one at a time (``completable``: a spanning tree of
observable entries) or two at a time (``shared_pair``: supp x_i = supp x_j, incomparable
supp y_i and supp y_j, x_i and x_j independent, their rank-one supports meeting no other
active one; or the same with rows and columns exchanged), or the rank-one supports are
pairwise disjoint.  ``not_identifiable``: a second pair with the same product and supports
inside the given ones, inequivalent because one of its components is new (``two_solutions``)
or because the numbers of zero columns of X / zero rows of Y differ (``two_solutions_zero_pattern``).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .arith import index_list, integer
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .matrices import CMatrix, decode, equal, field_name, product
from .supports import spanning_tree, support


def _component(A: CMatrix, B: CMatrix, t: int) -> CMatrix:
    return product(A.submatrix(list(range(A.rows)), [t]), B.submatrix([t], list(range(B.cols))))


def _zero_pattern(X: CMatrix, Y: CMatrix) -> Counter:
    """Multiset of (x_t = 0, y_t = 0): invariant under (X D P, P^T D^-1 Y)."""
    SX, SY = support(X), support(Y)
    return Counter((bool(SX[:, t].any()), bool(SY[t].any())) for t in range(X.cols))


def _second_pair(step: dict, X: CMatrix, Y: CMatrix, SX, SY) -> tuple[CMatrix, CMatrix]:
    X2, Y2 = decode(step.get("X"), "X2"), decode(step.get("Y"), "Y2")
    require((X2.rows, X2.cols, Y2.rows, Y2.cols, X2.conductor) == (X.rows, X.cols, Y.rows, Y.cols, X.conductor), "shapes differ")
    require(not (support(X2) & ~SX).any() and not (support(Y2) & ~SY).any(), "the second pair leaves the supports")
    require(equal(product(X2, Y2), product(X, Y)), "the products differ")
    return X2, Y2


def _shared_pair(step: dict, X: CMatrix, Y: CMatrix, SX, SY, blocks, active: list) -> tuple[int, int]:
    comps = index_list(step.get("components"), X.cols, "components")
    if len(comps) != 2:
        raise Malformed("components must list two indices")
    i, j = comps
    require(i in active and j in active, f"components {i} and {j} are not both active")
    side = step.get("side")
    if side not in ("rows", "cols"):
        raise Malformed("side must be 'rows' or 'cols'")
    shared, own = ((SX[:, i], SX[:, j]), (SY[i], SY[j])) if side == "rows" else ((SY[i], SY[j]), (SX[:, i], SX[:, j]))
    require(np.array_equal(*shared), f"components {i} and {j} do not share their {side}")
    require(bool((own[0] & ~own[1]).any() and (own[1] & ~own[0]).any()),
            "the other supports are comparable (each needs an index of its own)")
    union = blocks[i] | blocks[j]
    require(not any((union & blocks[s]).any() for s in active if s not in (i, j)),
            "the pair's rank-one supports meet another active one")
    ab = index_list(step.get("indices"), len(shared[0]), "indices")
    if len(ab) != 2:
        raise Malformed("indices must list two indices")
    a, b = ab
    require(bool(shared[0][a] and shared[0][b]), "the minor's indices are outside the shared support")

    def entry(t: int, k: int) -> CMatrix:
        return X.submatrix([k], [t]) if side == "rows" else Y.submatrix([t], [k])

    require(not equal(product(entry(i, a), entry(j, b)), product(entry(i, b), entry(j, a))),
            "the shared factors' 2x2 minor vanishes (they are proportional)")
    return i, j


@claim_handler("two_layer_fixed")
def check_fixed(doc: dict) -> str:
    claim, data = doc["claim"], doc.get("data")
    if not isinstance(data, dict):
        raise Malformed("'data' must be an object")
    X, Y = decode(data.get("X"), "X"), decode(data.get("Y"), "Y")
    require(X.cols == Y.rows and X.conductor == Y.conductor, "X and Y do not chain")
    SX, SY, r = support(X), support(Y), X.cols
    require(claim.get("shape") == [X.rows, r, Y.cols] and claim.get("field") == field_name(X.conductor),
            "claim.shape or claim.field is not the pair's")
    where = f"the {X.rows}x{r} by {r}x{Y.cols} pair"
    if "Z" in data:  # a given product: the pair factors it
        require(equal(product(X, Y), decode(data["Z"], "Z")), "X Y is not the given Z")
        where = f"the given {X.rows}x{Y.cols} matrix Z = X Y with its {X.rows}x{r} by {r}x{Y.cols} supports"
    blocks = [np.outer(SX[:, i], SY[i]) for i in range(r)]
    verdict, second, pairs = claim.get("verdict"), None, 0
    active = [i for i in range(r) if SX[:, i].any() or SY[i].any()]  # x_i = y_i = 0 stays zero: no part
    for idx, kind, step in steps_of(doc):
        with at_step(idx, kind):
            if kind == "pairwise_disjoint":
                require(bool((sum(b.astype(np.int64) for b in blocks) <= 1).all()), "two rank-one supports overlap")
                active = [i for i in active if not blocks[i].any()]  # half-degenerate ones stay
            elif kind == "completable":
                i = integer(step.get("component"), "component")
                require(i in active, f"component {i} is not active")
                require(bool(SX[:, i].any() and SY[i].any()), f"component {i} is half-degenerate")
                observable = blocks[i] & ~np.any([blocks[j] for j in active if j != i] or [blocks[i] & False], axis=0)
                spanning_tree(np.flatnonzero(SX[:, i]).tolist(), np.flatnonzero(SY[i]).tolist(),
                              step.get("tree"), observable)
                active.remove(i)
            elif kind == "shared_pair":
                for t in _shared_pair(step, X, Y, SX, SY, blocks, active):
                    active.remove(t)
                pairs += 1
            elif kind == "two_solutions":
                X2, Y2 = _second_pair(step, X, Y, SX, SY)
                new = _component(X2, Y2, index_list([step.get("new_component")], r, "new_component")[0])
                require(not any(equal(new, _component(X, Y, s)) for s in range(r)),
                        "the named component also occurs in (X, Y)")
                second = "a component of the second pair is new"
            elif kind == "two_solutions_zero_pattern":
                X2, Y2 = _second_pair(step, X, Y, SX, SY)
                require(_zero_pattern(X2, Y2) != _zero_pattern(X, Y),
                        "the zero columns of X and zero rows of Y match those of the second pair")
                second = "the second pair has other zero columns of X / zero rows of Y"
            else:
                raise Malformed(f"step kind {kind!r} does not belong in a fixed-support certificate")
    if verdict == "identifiable":
        require(not active, f"components {active} were never recovered")
        how = f" ({pairs} shared pair{'s' if pairs != 1 else ''} with independent factors)" if pairs else ""
        return f"{where} is identifiable for its fixed supports{how}"
    if verdict == "not_identifiable":
        require(second is not None, "no second solution")
        return f"{where} is not identifiable for its fixed supports: an inequivalent pair has the same product ({second})"
    raise Malformed("claim.verdict must be identifiable or not_identifiable")
