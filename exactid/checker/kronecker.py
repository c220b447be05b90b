"""Kronecker-sparse patterns, trees, the class lemma and products modulo primes (the claims: kronecker_claims).

Pattern (a, b, c, d): support I_a ⊗ 1_{b×c} ⊗ I_d, rows (α, β, δ) meet columns (α, γ, δ); a factor lists
its a·b·c·d values V[α, β, γ, δ] in row-major order.  A chainable pair (π, π') has product pattern
(a, bd/d', c'a'/a, d') when a | a', d' | d, a'd | n, or (a', ab/a', c'd'/d, d) when a' | a, d | d', ad' | n
(n = acd = a'b'd').  Class of an inner index k: (k // cd, k mod d, k // b'd', k mod d').
class_lemma at a node: every class has r members; its rectangle (rows of π meeting k) × (columns of π'
met by k) lies in the product pattern; K·b·c' = |S_product| (rectangles of distinct classes are disjoint:
both row and column sets are partitions); a class never mixes two column sets of X_l or row sets of X_{l+1}.
Theorem (docs/kronecker.md): if M = X_1..X_L and at every node the columns of each class of X_p..X_l
and its rows of X_{l+1}..X_q are independent, every factorization is X_l -> G_{l-1}^-1 X_l G_l with G_l
block-diagonal invertible on the classes of the node split at l.  Products are computed class block by
class block along the tree, modulo primes p < 2^20 in int64: rationals by the Chinese remainder theorem
against a bound on |D·(X_1..X_L − M)|, roots of unity by ζ_n -> ω of order n (one path per entry: r = 1).
"""

from __future__ import annotations

from math import lcm, prod
from typing import Any

import flint
import numpy as np

from .arith import fraction, integer, is_prime
from .core import require
from .errors import Malformed

MAX_PRIME = 1 << 20
MAX_SIZE = 1 << 13  # rows or columns of the target
MAX_LEVELS = 64


def pair(x: tuple, y: tuple):
    """(product pattern, class size) of a chainable pair, or None."""
    (a, b, c, d), (a2, b2, c2, d2) = x, y
    n = a * c * d
    if n != a2 * b2 * d2:
        return None
    if a2 % a == 0 and d % d2 == 0 and n % (a2 * d) == 0:
        return (a, b * d // d2, c2 * a2 // a, d2), n // (a2 * d)
    if a % a2 == 0 and d2 % d == 0 and n % (a * d2) == 0:
        return (a2, a * b // a2, c2 * d2 // d, d), n // (a * d2)
    return None


def patterns(claim: dict) -> list:
    raw = claim.get("architecture")
    if not (isinstance(raw, list) and 1 <= len(raw) <= MAX_LEVELS):
        raise Malformed(f"architecture must list 1..{MAX_LEVELS} patterns")
    pats = []
    for p in raw:
        if not (isinstance(p, list) and len(p) == 4):
            raise Malformed("a pattern is [a, b, c, d]")
        q = tuple(integer(v, "pattern") for v in p)
        if min(q) < 1 or q[0] * q[1] * q[3] > MAX_SIZE or q[0] * q[2] * q[3] > MAX_SIZE:
            raise Malformed(f"pattern {q} outside 1..{MAX_SIZE} rows and columns")
        pats.append(q)
    for x, y in zip(pats, pats[1:]):
        require(x[0] * x[2] * x[3] == y[0] * y[1] * y[3], f"shapes of {x} and {y} do not chain")
    return pats


def tree_nodes(obj: Any, pats: list, nodes: dict, depth: int = 0) -> tuple:
    """(p, q, pattern of S_p..S_q) of a tree; adds each node (p, l, q) -> (left, right, product, r)."""
    if isinstance(obj, int) and not isinstance(obj, bool):
        require(1 <= obj <= len(pats), f"level {obj} out of range")
        return obj, obj, pats[obj - 1]
    if not (isinstance(obj, list) and len(obj) == 2) or depth > MAX_LEVELS:
        raise Malformed("a tree node must be a level or [left, right]")
    (p, l, x), (m, q, y) = tree_nodes(obj[0], pats, nodes, depth + 1), tree_nodes(obj[1], pats, nodes, depth + 1)
    require(m == l + 1, "tree leaves must be consecutive levels")
    got = pair(x, y)
    require(got is not None, f"the split {p}..{l} | {m}..{q} is not chainable: {x} and {y}")
    nodes[(p, l, q)] = (x, y, got[0], got[1])
    return p, q, got[0]


def class_lemma(node: tuple, pats: list) -> tuple:
    """Check the lemma at a node; return each class's rows (K, b), columns (K, c') and members (K, r)."""
    (a, b, c, d), (a2, b2, c2, d2), (A, B, C, D), r = node[1]
    l = node[0][1]
    k = np.arange(a * c * d, dtype=np.int64)
    keys = (((k // (c * d)) * d + k % d) * (a2 * d2) + (k // (b2 * d2)) * d2 + k % d2)
    uniq, ids, counts = np.unique(keys, return_inverse=True, return_counts=True)
    require(bool((counts == r).all()), f"classes of {node[0]} do not all have {r} elements")
    first = np.unique(ids, return_index=True)[1]
    rep = k[first][:, None]
    rows = (rep // (c * d)) * (b * d) + np.arange(b)[None, :] * d + rep % d
    cols = (rep // (b2 * d2)) * (c2 * d2) + np.arange(c2)[None, :] * d2 + rep % d2
    for key in (lambda i, w: i // (w * D), lambda i, w: i % D):
        kr, kc = key(rows, B), key(cols, C)
        require(bool((kr == kr[:, :1]).all() and (kc == kc[:, :1]).all() and (kr[:, 0] == kc[:, 0]).all()),
                f"a rectangle of {node[0]} leaves the product pattern")
    require(len(uniq) * b * c2 == A * B * C * D, f"the rectangles of {node[0]} do not cover the product pattern")
    (_, _, xc, xd), (_, yb, _, yd) = pats[l - 1], pats[l]
    for key in ((k // (xc * xd)) * xd + k % xd, (k // (yb * yd)) * yd + k % yd):
        lo, hi = np.full(len(uniq), key.max() + 1), np.full(len(uniq), -1)
        np.minimum.at(lo, ids, key)
        np.maximum.at(hi, ids, key)
        require(bool((lo == hi).all()), f"a class of {node[0]} mixes supports of X_{l} or X_{l + 1}")
    return rows, cols, np.argsort(ids, kind="stable").reshape(-1, r)


def factor_values(raw: Any, pats: list, roots: bool) -> list:
    """Factors as int64 exponents (roots) or (numerators, denominators) arrays (int64 or Python ints)."""
    require(isinstance(raw, list) and len(raw) == len(pats), f"'factors' must list {len(pats)} factors")
    out = []
    for f, p in zip(raw, pats):
        require(isinstance(f, list) and len(f) == prod(p), f"a factor of pattern {p} lists {prod(p)} values")
        if roots:
            require(all(type(v) is int for v in f), "exponents must be integers")
            out.append(np.array(f, dtype=np.int64))
            continue
        seen: dict = {}  # values repeat: parse each distinct one once
        pairs = [seen[v] if v in seen else seen.setdefault(v, fraction(v, "factor")) for v in f]
        big = max(max(abs(x), y) for x, y in seen.values()) >= 1 << 62
        out.append(tuple(np.array([t[k] for t in pairs], dtype=object if big else np.int64) for k in (0, 1)))
    return out


def residues(values: list, pats: list, p: int, root: int, n: int) -> list:
    """Compact int64 arrays of the factors modulo p (ζ_n -> root for exponents)."""
    out = []
    for v, pat in zip(values, pats):
        if isinstance(v, np.ndarray):
            table = np.array([pow(root, e, p) for e in range(n)], dtype=np.int64)
            out.append(table[v % n].reshape(pat))
        else:
            dens, inverse = np.unique(v[1], return_inverse=True)
            inv = np.array([pow(int(q) % p, -1, p) for q in dens], dtype=np.int64)
            out.append(((v[0] % p).astype(np.int64) * inv[inverse.reshape(-1)] % p).reshape(pat))
    return out


def _at(pat: tuple, i: np.ndarray, j: np.ndarray) -> tuple:
    """Compact index of the entries (i, j) of pattern (a, b, c, d) (broadcast)."""
    _, b, c, d = pat
    return i // (b * d), (i // d) % b, (j // d) % c, i % d


def products(obj: Any, mods: list, nodes: dict, lemma: dict, p: int, ranks: bool) -> tuple:
    """Compact X_p..X_q mod p of a tree, class block by class block; with ``ranks``, check at each node that
    every class keeps rank r in the columns of the left product and the rows of the right product."""
    if isinstance(obj, int):
        return obj, obj, mods[obj - 1]
    (lo, l, left), (_, hi, right) = (products(x, mods, nodes, lemma, p, ranks) for x in obj)
    key = (lo, l, hi)
    x, y, top, r = nodes[key]
    require(r * (p - 1) ** 2 < 1 << 62, "products of residues would overflow int64")
    rows, cols, members = lemma[key]
    lb = left[_at(x, rows[:, :, None], members[:, None, :])]
    rb = right[_at(y, members[:, :, None], cols[:, None, :])]
    if ranks and r == 1:
        require(bool(lb.any(axis=(1, 2)).all() and rb.any(axis=(1, 2)).all()), f"a class of {key} vanishes")
    elif ranks:
        for u, v in zip(lb, rb):
            require(flint.nmod_mat(u.tolist(), p).rank() == r == flint.nmod_mat(
                v.tolist(), p).rank(), f"a class of {key} is rank deficient")
    out = np.zeros(top, dtype=np.int64)
    out[_at(top, rows[:, :, None], cols[:, None, :])] = (lb * rb if r == 1 else np.matmul(lb, rb)) % p
    return lo, hi, out


def primes(step: dict, key: str) -> list:
    ps = step.get(key)
    require(isinstance(ps, list) and 1 <= len(ps) <= 256, f"'{key}' must list 1..256 primes")
    ps = [integer(q, key) for q in ps]
    require(len(set(ps)) == len(ps) and all(2 < q < MAX_PRIME and is_prime(q) for q in ps),
            f"primes must be distinct primes below {MAX_PRIME}")
    return ps


def bound(values: list, pats: list) -> tuple:
    """(D, B): D·X_1..X_L is integral with entries of absolute value at most B."""
    D, H = 1, 1
    for num, den in values:
        D *= lcm(1, *(int(q) for q in np.unique(den)))
        H *= max(1, int(np.abs(num).max()))
    return D, H * prod(p[2] for p in pats[:-1])


def root_product(claim: dict, values: list, pats: list, nodes: dict, lemma: dict, p: int, root: int, n: int,
          ranks: bool = False) -> np.ndarray:
    """Compact X_1..X_L mod p on the product pattern (computed along the claimed tree)."""
    mods = residues(values, pats, p, root, n)
    return products(claim.get("tree", 1), mods, nodes, lemma, p, ranks)[2]


def top_pattern(pats: list, nodes: dict) -> tuple:
    return nodes[max(nodes, key=lambda k: k[2] - k[0])][2] if nodes else pats[0]


def head(doc: dict) -> tuple:
    claim, data = doc["claim"], doc.get("data")
    require(isinstance(data, dict), "'data' must be an object")
    pats = patterns(claim)
    nodes: dict = {}
    if len(pats) > 1:
        require(tree_nodes(claim.get("tree"), pats, nodes)[:2] == (1, len(pats)), "the tree must cover every level")
    return claim, data, pats, nodes


def lemma_step(step: dict, nodes: dict, pats: list, ids: dict) -> None:
    node = step.get("node")
    require(isinstance(node, list) and len(node) == 3, "node must be [p, l, q]")
    key = tuple(integer(x, "node") for x in node)
    require(key in nodes, f"{key} is not a node of the tree")
    ids[key] = class_lemma((key, nodes[key]), pats)
