"""A given Z has no factorization with a given support pair (docs/twolayer.md, "Given Z and
supports").  Components are recovered in order: for component i, a spanning tree of entries
observable for i (in its rank-one support, outside the other active ones) carries the claimed
x_i y_i, which equals the residual W = Z - (recovered components) there; x_i and y_i are
nonzero on all of supp x_i and supp y_i, so in every factorization C_i = x_i y_i.  Then an
entry outside every still-active rank-one support where Z differs from the recovered
components' sum contradicts Z = X Y.
"""

from __future__ import annotations

import numpy as np

from .arith import index_list, integer
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .matrices import CMatrix, decode, equal, field_name, product
from .supports import spanning_tree, support


def _mask(value, shape: tuple, what: str) -> np.ndarray:
    if not (isinstance(value, list) and len(value) == shape[0] and
            all(isinstance(row, list) and len(row) == shape[1] and all(v in (0, 1) and type(v) is int for v in row)
                for row in value)):
        raise Malformed(f"{what} must be {shape[0]} rows of {shape[1]} zeros and ones")
    return np.array(value, dtype=bool).reshape(shape)


def _add(a: CMatrix, b: CMatrix) -> CMatrix:
    return CMatrix(a.conductor, [x * b.den + y * a.den for x, y in zip(a.num, b.num)], a.den * b.den, a.rows, a.cols)


@claim_handler("two_layer_supports")
def check_supports(doc: dict) -> str:
    claim, data = doc["claim"], doc.get("data")
    if not isinstance(data, dict):
        raise Malformed("'data' must be an object")
    Z = decode(data.get("Z"), "Z")
    shape = claim.get("shape")
    if not (isinstance(shape, list) and len(shape) == 3):
        raise Malformed("claim.shape must be [m, r, n]")
    m, r, n = (integer(v, "shape") for v in shape)
    require((Z.rows, Z.cols) == (m, n) and claim.get("field") == field_name(Z.conductor), "claim.shape or field is not Z's")
    require(claim.get("verdict") == "no_factorization", "claim.verdict must be 'no_factorization'")
    SX, SY = _mask(data.get("x_support"), (m, r), "x_support"), _mask(data.get("y_support"), (r, n), "y_support")
    blocks = [np.outer(SX[:, i], SY[i]) for i in range(r)]
    active = [i for i in range(r) if blocks[i].any()]
    parts: dict = {}  # recovered component -> (x, y) as 1-column / 1-row matrices

    def recovered_sum(a: int, b: int) -> CMatrix:
        total = CMatrix(Z.conductor, [c * 0 for c in Z.submatrix([a], [b]).num], 1, 1, 1)
        for x, y in parts.values():
            total = _add(total, product(x.submatrix([a], [0]), y.submatrix([0], [b])))
        return total

    contradiction = None
    for idx, kind, step in steps_of(doc):
        with at_step(idx, kind):
            require(contradiction is None, "no step may follow the contradiction")
            if kind == "recovered":
                i = integer(step.get("component"), "component")
                require(i in active, f"component {i} is not active")
                x, y = decode(step.get("x"), "x"), decode(step.get("y"), "y")
                require((x.rows, x.cols, y.rows, y.cols) == (m, 1, 1, n) and x.conductor == y.conductor == Z.conductor,
                        "x or y has a wrong shape or field")
                require(np.array_equal(support(x)[:, 0], SX[:, i]) and np.array_equal(support(y)[0], SY[i]),
                        "x_i and y_i must be nonzero exactly on the given supports")
                observable = blocks[i] & ~np.any([blocks[j] for j in active if j != i] or [blocks[i] & False], axis=0)
                tree = step.get("tree")
                spanning_tree(np.flatnonzero(SX[:, i]).tolist(), np.flatnonzero(SY[i]).tolist(), tree, observable)
                for a, b in ((integer(e[0], "edge"), integer(e[1], "edge")) for e in tree):  # x_i y_i equals the residual on the tree: Z = recovered + x_i y_i there
                    require(equal(Z.submatrix([a], [b]), _add(recovered_sum(a, b), product(
                        x.submatrix([a], [0]), y.submatrix([0], [b])))), f"x_i y_i is not the residual at ({a}, {b})")
                parts[i] = (x, y)
                active.remove(i)
            elif kind == "residual_nonzero":
                entry = step.get("entry")
                if not (isinstance(entry, list) and len(entry) == 2):
                    raise Malformed("entry must be [row, col]")
                a, b = index_list(entry[:1], m, "entry row")[0], index_list(entry[1:], n, "entry col")[0]
                require(not any(blocks[j][a, b] for j in active), "the entry lies in an active rank-one support")
                require(not equal(Z.submatrix([a], [b]), recovered_sum(a, b)),
                        "Z equals the recovered components' sum at the entry")
                contradiction = (a, b)
            else:
                raise Malformed(f"step kind {kind!r} does not belong in a given-supports certificate")
    require(contradiction is not None, "no residual_nonzero step")
    a, b = contradiction
    return (f"the {m}x{n} matrix Z has no factorization X Y with the given {m}x{r} and {r}x{n} supports "
            f"(entry ({a}, {b}) contradicts the forced components)")
