"""Explicit butterfly factors over Q or Q(zeta_c), as exact polynomials in zeta_c.

A factor lists its 2N values in butterfly-support order (as in :mod:`butterfly`): rationals
(encoding ``rational``), or lists of phi(c) rationals in the power basis of zeta_c (encoding
``cyclotomic``, c = the matrix's conductor).  Every product entry is one path product,
reduced modulo Phi_c.  Claim ``butterfly_not_identifiable``: two butterfly factorizations of
Z P^T whose factors' zero patterns differ at some level; invertible diagonal scalings
X_l -> D_{l-1}^-1 X_l D_l keep every zero pattern, so they are not equivalent.
"""

from __future__ import annotations

from typing import Iterator

import flint
import numpy as np

from .arith import cyclotomic_poly, fraction, integer, totient
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .matrices import CMatrix, decode


def _value(v, d: int, encoding: str) -> flint.fmpq_poly:
    if encoding == "rational":
        return flint.fmpq_poly([flint.fmpq(*fraction(v, "factor"))])
    if type(v) is not list or len(v) != d:
        raise Malformed(f"a cyclotomic factor value is a list of {d} rationals")
    return flint.fmpq_poly([flint.fmpq(*fraction(x, "factor")) for x in v])


def poly_factors(raw, n: int, L: int, c: int, encoding: str) -> list[np.ndarray]:
    """Compact (N, 2) object arrays of fmpq_poly (reduced mod Phi_c)."""
    if encoding not in ("rational", "cyclotomic") or (encoding == "rational") != (c == 1):
        raise Malformed("explicit factors are 'rational' over QQ or 'cyclotomic' over QQ(zeta_c)")
    if not (isinstance(raw, list) and len(raw) == L and all(isinstance(f, list) and len(f) == 2 * n for f in raw)):
        raise Malformed(f"'factors' must be {L} lists of {2 * n} values")
    d = totient(c)
    out = []
    for f in raw:
        arr = np.empty(2 * n, dtype=object)
        arr[:] = [_value(v, d, encoding) for v in f]
        out.append(arr.reshape(n, 2))
    return out


def matrix_polys(z: CMatrix) -> np.ndarray:
    coeffs = [mat.entries() for mat in z.num]
    out = np.empty(z.rows * z.cols, dtype=object)
    out[:] = [flint.fmpq_poly([int(c[e]) for c in coeffs]) / z.den for e in range(z.rows * z.cols)]
    return out.reshape(z.rows, z.cols)


def mismatches(factors: list, L: int, perm: np.ndarray, z: CMatrix) -> Iterator[tuple[int, np.ndarray]]:
    """(r0, rows r0.. of X_1..X_L != Z P^T) by chunks, exactly in Q(zeta_c)."""
    from .butterfly import product_rows

    phi = flint.fmpq_poly(cyclotomic_poly(z.conductor))
    reduce = np.frompyfunc(lambda v: v % phi, 1, 1)
    target = matrix_polys(z)[:, perm]
    for r0, got in product_rows(factors, L, lambda a, b: reduce(np.multiply(a, b)), flint.fmpq_poly([1])):
        yield r0, np.asarray(got != target[r0:r0 + len(got)], dtype=bool)


def product_holds(factors: list, L: int, perm: np.ndarray, z: CMatrix, what: str) -> None:
    for r0, bad in mismatches(factors, L, perm, z):
        if bad.any():
            i, j = (int(x) for x in np.argwhere(bad)[0])
            require(False, f"{what}: the product differs from Z P^T at ({r0 + i}, {j})")


@claim_handler("butterfly_not_identifiable")
def check_not_identifiable(doc: dict) -> str:
    from .butterfly import _head, perm_label

    claim, data, n, L, perm = _head(doc)
    require(claim.get("verdict") == "not_identifiable" and claim.get("matrix") == "explicit",
            "claim.verdict must be 'not_identifiable' (explicit matrices)")
    z = decode(data.get("matrix"))
    require((z.rows, z.cols) == (n, n), f"the matrix must be {n}x{n}")
    encoding = data.get("encoding")
    c = integer(data.get("conductor", 1), "conductor")
    require(c == z.conductor, "the conductor is not the matrix's")
    pairs = {key: poly_factors(data.get(key), n, L, c, encoding) for key in ("factors", "second")}
    proved, level = set(), None
    for k, kind, step in steps_of(doc):
        with at_step(k, kind):
            if kind == "product":
                key = step.get("factorization")
                require(key in pairs, "factorization must be 'factors' or 'second'")
                product_holds(pairs[key], L, perm, z, key)
                proved.add(key)
            elif kind == "zero_patterns_differ":
                level = integer(step.get("level"), "level")
                require(1 <= level <= L, "level out of range")
                a, b = (np.asarray(pairs[key][level - 1] != 0, dtype=bool) for key in ("factors", "second"))
                require(not np.array_equal(a, b), f"the zero patterns of X_{level} agree")
            else:
                raise Malformed(f"step kind {kind!r} does not belong here")
    require(proved == {"factors", "second"} and level is not None, "needs both products and a differing level")
    return (f"the {n}x{n} matrix ({perm_label(claim['perm'], perm)}) has two butterfly factorizations not related "
            f"by diagonal scalings (zero patterns of X_{level} differ): not identifiable")
