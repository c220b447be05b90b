"""Butterfly factorization certificates (DESIGN §3), checked from the definitions.

N = 2^L; level l (1..L) owns bit position L - l of an index.  supp(S_l) = {(i, j): i ^ j in
{0, 2^(L-l)}}; supp(S_p..S_q) = {(i, j): i ^ j only in the bits of levels p..q}; every entry
of a product of butterfly factors is a product along one path, which this module evaluates
directly (:func:`path_values`).  A factor is encoded by its 2N values: value 2i + t is
X_l[i, (i & ~b) | t b], b = 2^(L-l), so its support lies in S_l by construction.

Split lemma at a node (p, l, q): block k is the rank-one support
{i : i = k off the bits of levels p..l} x {j : j = k off the bits of levels l+1..q}.
Theorem (Zheng et al.): if M = X_1..X_L, and at every node of a tree the partial product
X_p..X_l has no zero column and X_{l+1}..X_q no zero row, the factorization is unique up to
X_l -> D_{l-1}^-1 X_l D_l; with the split lemma at each node this is the claim checked here.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import numpy as np

from .arith import index_list, integer, rational
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .matrices import decode, equal, product
from .named import bitrev

MAX_N = 1 << 15
CHUNK = 1 << 21  # entries per vectorized chunk


def _head(doc: dict) -> tuple[dict, dict, int, int]:
    """claim, data, N and L."""
    claim, data, n = doc["claim"], doc.get("data"), integer(doc["claim"].get("n"), "claim.n")
    if not isinstance(data, dict) or not 2 <= n <= MAX_N or n & (n - 1):
        raise Malformed(f"'data' must be an object and n a power of 2 in 2..{MAX_N}")
    return claim, data, n, n.bit_length() - 1


def _perm(value: Any, n: int) -> np.ndarray:
    if value == "identity":
        return np.arange(n, dtype=np.int64)
    if value == "bitrev":
        return bitrev(n)
    if isinstance(value, list) and len(value) == n:
        perm = np.array([integer(v, "perm") for v in value], dtype=np.int64)
        if np.array_equal(np.sort(perm), np.arange(n)):
            return perm
    raise Malformed("perm must be 'identity', 'bitrev' or a permutation of 0..n-1")


def _tree(obj: Any, depth: int = 0) -> tuple:
    """(p, q, left, right); a leaf is a level, a node [left, right] of consecutive levels."""
    if depth > 64:
        raise Malformed("tree too deep")
    if isinstance(obj, int) and not isinstance(obj, bool):
        return (obj, obj, None, None)
    if not (isinstance(obj, list) and len(obj) == 2):
        raise Malformed("a tree node must be a level or [left, right]")
    left, right = _tree(obj[0], depth + 1), _tree(obj[1], depth + 1)
    if right[0] != left[1] + 1:
        raise Malformed("tree leaves must be consecutive levels")
    return (left[0], right[1], left, right)


def _nodes(tree: tuple) -> set:
    if tree[2] is None:
        return set()
    return {(tree[0], tree[2][1], tree[1])} | _nodes(tree[2]) | _nodes(tree[3])


def _masks(L: int, p: int, l: int, q: int) -> tuple[int, int]:
    """Bit masks of levels p..l and l+1..q."""
    return ((1 << (l - p + 1)) - 1) << (L - l), ((1 << (q - l)) - 1) << (L - q)


def _block(L: int, p: int, l: int, q: int, k: np.ndarray, r: np.ndarray, c: np.ndarray):
    """Row and column of entry (r, c) of block k (broadcast)."""
    ml, mr = _masks(L, p, l, q)
    return (k & ~ml) | (r << (L - l)), (k & ~mr) | (c << (L - q))


def split_lemma(n: int, L: int, p: int, l: int, q: int) -> None:
    """The N blocks of (p, l, q) are pairwise disjoint and cover supp(S_p..S_q).

    Every (block k, r, c) maps into supp(S_p..S_q) and is recovered from its image (so the
    map is injective); N * 2^(l-p+1) * 2^(q-l) images = |supp(S_p..S_q)| = N 2^(q-p+1).
    """
    require(1 <= p <= l < q <= L, f"node {(p, l, q)} is not a split of 1..{L}")
    ml, mr = _masks(L, p, l, q)
    b, c = 1 << (l - p + 1), 1 << (q - l)
    rr, cc = np.arange(b, dtype=np.int32)[:, None], np.arange(c, dtype=np.int32)[None, :]
    step = max(1, CHUNK // (b * c))
    for k0 in range(0, n, step):
        k = np.arange(k0, min(n, k0 + step), dtype=np.int32)[:, None, None]
        i, j = _block(L, p, l, q, k, rr, cc)  # shapes (K, b, 1) and (K, 1, c)
        require(not ((i ^ j) & ~(ml | mr)).any(), f"a block of node {(p, l, q)} leaves S_p..S_q")
        same = ((i & ~ml) | (j & ml) == k).all() and ((i & ml) >> (L - l) == rr).all() \
            and ((j & mr) >> (L - q) == cc).all()
        require(bool(same), f"blocks of node {(p, l, q)} overlap")


def _lemma_step(step: dict, n: int, L: int) -> tuple:
    node = step.get("node")
    if not (isinstance(node, list) and len(node) == 3):
        raise Malformed("node must be [p, l, q]")
    node = tuple(integer(x, "node") for x in node)
    split_lemma(n, L, *node)
    return node


def path_values(factors: list, L: int, p: int, q: int, i: np.ndarray, j: np.ndarray, combine: Callable):
    """Entries (i, j) of X_p..X_q (i, j broadcast; j = i off levels p..q): product along the path.

    Before level ``level`` the path is at k = i with the bits of levels p..level-1 taken from
    j; X_level[k, .] is then read at value 2k + (bit of j at level).
    """
    acc, high = None, 0
    for level in range(p, q + 1):
        shift = L - level
        value = factors[level - 1][((i & ~high) << 1) | (((j & high) << 1) | ((j >> shift) & 1))]
        acc = value if acc is None else combine(acc, value)
        high |= 1 << shift
    return acc


def _factors(data: dict, n: int, L: int) -> tuple[list, str, int]:
    """Decode the factors: (arrays, encoding, conductor)."""
    raw = data.get("factors")
    if not (isinstance(raw, list) and len(raw) == L and all(isinstance(f, list) and len(f) == 2 * n for f in raw)):
        raise Malformed(f"'factors' must be {L} lists of {2 * n} values")
    encoding = data.get("encoding")
    if encoding == "roots_of_unity":
        cond = integer(data.get("conductor"), "conductor")
        if not 1 <= cond <= MAX_N:
            raise Malformed("bad conductor")
        if any(type(v) is not int for f in raw for v in f):
            raise Malformed("exponents must be integers")
        return [(np.array(f, dtype=object).astype(np.int64) % cond).astype(np.int32) for f in raw], encoding, cond
    if encoding == "rational":
        return [np.array([rational(v, "factor") for v in f], dtype=object) for f in raw], encoding, 1
    raise Malformed("encoding must be 'roots_of_unity' or 'rational'")


def _target_rows(name: str, n: int, perm: np.ndarray, rows: np.ndarray, explicit: Any) -> np.ndarray:
    """Rows of M = Z P^T (M[i, j] = Z[i, perm[j]]): exponents for dft/hadamard, Fractions else."""
    cols = perm[None, :]
    if name == "dft":  # F[i, j] = zeta_n^(-ij)
        return (-(rows[:, None] * cols)) % n
    if name == "hadamard":  # H[i, j] = (-1)^popcount(i & j) = zeta_2^parity
        bits, parity = rows[:, None] & cols, np.zeros((len(rows), n), dtype=np.int64)
        while bits.any():
            parity ^= bits & 1
            bits = bits >> 1
        return parity
    return explicit[rows][:, perm]


def _explicit_rational(data: dict, n: int) -> np.ndarray:
    z = decode(data.get("matrix"))
    require(z.n == 1 and (z.rows, z.cols) == (n, n), f"the matrix must be {n}x{n} over QQ")
    num = z.num[0]
    return np.array([[Fraction(int(num[i, j]), z.den) for j in range(n)] for i in range(n)], dtype=object)


@claim_handler("butterfly_unique")
def check_unique(doc: dict) -> str:
    claim, data, n, L = _head(doc)
    perm, tree = _perm(claim.get("perm"), n), _tree(claim.get("tree"))
    require((tree[0], tree[1]) == (1, L), f"the tree must cover levels 1..{L}")
    require(claim.get("verdict") == "identifiable", "claim.verdict must be 'identifiable'")
    name = claim.get("matrix")
    factors, encoding, cond = _factors(data, n, L)
    if name in ("dft", "hadamard"):
        require(encoding == "roots_of_unity" and cond == (n if name == "dft" else 2),
                f"{name} factors must be powers of zeta_{n if name == 'dft' else 2}")
        explicit = None
    elif name == "explicit":
        require(encoding == "rational", "explicit matrices take rational factors")
        explicit = _explicit_rational(data, n)
    else:
        raise Malformed("claim.matrix must be 'dft', 'hadamard' or 'explicit'")
    units = encoding == "roots_of_unity"

    def combine(a, b):  # exponents are summed (< 15 * 2^15: no overflow), reduced mod cond at the end
        return a + b if units else a * b

    nodes, lemma, facts = _nodes(tree), set(), set()
    for k, kind, step in steps_of(doc):
        with at_step(k, kind):
            if kind == "supports":  # the encoding places X_l's 2N values on supp(S_l)
                require(len(factors) == L and all(len(f) == 2 * n for f in factors), "wrong factor sizes")
            elif kind == "split_lemma":
                node = _lemma_step(step, n, L)
                require(node in nodes, f"{node} is not a node of the claimed tree")
                lemma.add(node)
            elif kind == "nondegenerate":
                if not units:  # roots of unity are never zero
                    _nondegenerate(factors, L, n, nodes, combine)
            elif kind == "product":
                _product(factors, L, n, perm, name, explicit, combine, cond if units else 0)
            else:
                raise Malformed(f"step kind {kind!r} does not belong in a butterfly certificate")
            facts.add(kind)
    require(lemma == nodes, "the split lemma is not shown at every node of the tree")
    missing = {"supports", "nondegenerate", "product"} - facts
    require(not missing, f"missing steps: {', '.join(sorted(missing))}")
    return (f"the {name} matrix of size {n} (perm {claim.get('perm') if isinstance(claim.get('perm'), str) else 'explicit'})"
            f" has a butterfly factorization unique up to diagonal scalings (tree of {len(nodes)} splits)")


def _nondegenerate(factors: list, L: int, n: int, nodes: set, combine: Callable) -> None:
    """No zero column of X_p..X_l, no zero row of X_{l+1}..X_q, at every node."""
    for p, l, q in sorted(nodes):
        k = np.arange(n, dtype=np.int64)[:, None]
        rows, cols = _block(L, p, l, q, k, np.arange(1 << (l - p + 1))[None, :], np.arange(1 << (q - l))[None, :])
        left = path_values(factors, L, p, l, rows, k, combine)  # column k of X_p..X_l, on its support
        right = path_values(factors, L, l + 1, q, k, cols, combine)  # row k of X_{l+1}..X_q
        require(bool((left != 0).any(axis=1).all()), f"X_{p}..X_{l} has a zero column")
        require(bool((right != 0).any(axis=1).all()), f"X_{l + 1}..X_{q} has a zero row")


def _product(factors: list, L: int, n: int, perm: np.ndarray, name: Any, explicit: Any, combine: Callable,
             modulus: int) -> None:
    """X_1..X_L == Z P^T entrywise, by row chunks (exponents compared mod ``modulus`` if nonzero)."""
    cols = np.arange(n, dtype=np.int32)[None, :]
    step = max(1, CHUNK // n)
    for r0 in range(0, n, step):
        rows = np.arange(r0, min(n, r0 + step), dtype=np.int32)
        got = path_values(factors, L, 1, L, rows[:, None], cols, combine)
        bad = (got % modulus if modulus else got) != _target_rows(name, n, perm, rows.astype(np.int64), explicit)
        if bad.any():
            i, j = (int(x) for x in np.argwhere(bad)[0])
            require(False, f"the product differs from Z P^T at ({r0 + i}, {j})")


@claim_handler("butterfly_no_factorization")
def check_no_factorization(doc: dict) -> str:
    claim, data, n, L = _head(doc)
    perm = _perm(claim.get("perm"), n)
    require(claim.get("verdict") == "no_factorization", "claim.verdict must be 'no_factorization'")
    require(claim.get("matrix") == "explicit", "only explicit matrices")
    z = decode(data.get("matrix"))
    require((z.rows, z.cols) == (n, n), f"the matrix must be {n}x{n}")
    lemma, witness = set(), None
    for k, kind, step in steps_of(doc):
        with at_step(k, kind):
            if kind == "split_lemma":
                lemma.add(_lemma_step(step, n, L))
            elif kind == "rank_two_block":
                level, block = integer(step.get("level"), "level"), integer(step.get("block"), "block")
                require(1 <= level < L and 0 <= block < n, "level or block out of range")
                r = np.array(index_list(step.get("rows"), 1 << level, "rows"), dtype=np.int64)
                c = np.array(index_list(step.get("cols"), 1 << (L - level), "cols"), dtype=np.int64)
                require(len(r) == len(c) == 2, "rows and cols must list two local indices each")
                i, j = _block(L, 1, level, L, np.int64(block), r, c)
                e = [[z.submatrix([int(a)], [int(perm[b])]) for b in j] for a in i]
                require(not equal(product(e[0][0], e[1][1]), product(e[0][1], e[1][0])),
                        "the 2x2 minor of the block vanishes")
                witness = level
            else:
                raise Malformed(f"step kind {kind!r} does not belong here")
    require(witness is not None and (1, witness, L) in lemma, "needs a rank-two block and the split lemma of its split")
    return (f"the {n}x{n} matrix has no butterfly factorization: a block of the split at level {witness} "
            "has rank >= 2 while every product of butterfly parts is rank one on it")
