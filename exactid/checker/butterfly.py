"""Butterfly factorization certificates (DESIGN §3), checked from the definitions.

N = 2^L; level l (1..L) owns bit position L - l of an index.  supp(S_l) = {(i, j): i ^ j in
{0, 2^(L-l)}}; supp(S_p..S_q) = {(i, j): i ^ j only in the bits of levels p..q}, N 2^(q-p+1)
entries.  A factor is encoded by its 2N values: value 2i + t is X_l[i, (i & ~b) | t b],
b = 2^(L-l), so its support lies in S_l by construction.  For (i, j) in supp(S_p..S_q) exactly
one k has (i, k) in supp(S_p) and (k, j) in supp(S_{p+1}..S_q), so every entry of a product of
butterfly factors is a product along one path: partial products are computed entrywise on
compact (N, 2^(q-p+1)) arrays (:func:`partial`), O(N^2) work for the whole product.

Split lemma at a node (p, l, q): block k is the rank-one support
{i : i = k off the bits of levels p..l} x {j : j = k off the bits of levels l+1..q}.
Theorem (Zheng et al.): if M = X_1..X_L, and at every node of a tree the partial product
X_p..X_l has no zero column and X_{l+1}..X_q no zero row, the factorization is unique up to
X_l -> D_{l-1}^-1 X_l D_l; with the split lemma at each node this is the claim checked here.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from .arith import fraction, index_list, integer
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .matrices import decode, equal, product
from .named import bitrev

MAX_N = 1 << 15  # exponents mod N <= 2^15 are summed in uint16: mod 2^16, a multiple of N
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
    """Row r and column c of block k (broadcast): the rows depend on (k, r) only, the columns on (k, c)."""
    ml, mr = _masks(L, p, l, q)
    return (k & ~ml) | (r << (L - l)), (k & ~mr) | (c << (L - q))


def split_lemma(n: int, L: int, p: int, l: int, q: int) -> None:
    """The N blocks of (p, l, q) are pairwise disjoint and cover supp(S_p..S_q).

    Checked on the (N, 2^(l-p+1)) rows i(k, r) and the (N, 2^(q-l)) columns j(k, c) of the
    blocks: i = k off ml and j = k off mr with ml, mr disjoint masks of union the levels p..q, so
    i ^ j lies in those levels; (k, r, c) = ((i & ~ml) | (j & ml), level bits of i, of j) is
    recovered from (i, j), so the map is injective; and N 2^(l-p+1) 2^(q-l) = |supp(S_p..S_q)|.
    """
    require(1 <= p <= l < q <= L, f"node {(p, l, q)} is not a split of 1..{L}")
    ml, mr = _masks(L, p, l, q)
    require(ml & mr == 0 and ml | mr == ((1 << (q - p + 1)) - 1) << (L - q), f"bad masks at {(p, l, q)}")
    k = np.arange(n, dtype=np.int64)[:, None]
    r, c = np.arange(1 << (l - p + 1))[None, :], np.arange(1 << (q - l))[None, :]
    i, j = _block(L, p, l, q, k, r, c)
    require(bool(((i & ~ml) == (k & ~ml)).all() and ((j & ~mr) == (k & ~mr)).all()),
            f"a block of node {(p, l, q)} leaves S_p..S_q")
    require(bool(((i & ml) >> (L - l) == r).all() and ((j & mr) >> (L - q) == c).all()),
            f"blocks of node {(p, l, q)} overlap")


def _lemma_step(step: dict, n: int, L: int) -> tuple:
    node = step.get("node")
    if not (isinstance(node, list) and len(node) == 3):
        raise Malformed("node must be [p, l, q]")
    node = tuple(integer(x, "node") for x in node)
    split_lemma(n, L, *node)
    return node


def partial(factors: list, L: int, p: int, q: int, combine: Callable, one: Any) -> np.ndarray:
    """Compact X_p..X_q (identity if q < p): out[i, t] = (X_p..X_q)[i, (i & ~m) | t 2^(L-q)], m the levels p..q.

    One path per entry, so extending by the next factor X is entrywise: out'[i, 2t + u] =
    out[i, t] * X[k, u] with k = (i & ~m) | t 2^(L-q), the column of out[i, t].
    """
    n = 1 << L
    i, acc = np.arange(n, dtype=np.int64)[:, None], np.full((n, 1), one, dtype=factors[0].dtype)
    for level in range(p, q + 1):
        width, shift = acc.shape[1], L - level + 1
        k = (i & ~((width - 1) << shift)) | (np.arange(width, dtype=np.int64)[None, :] << shift)
        acc = combine(acc[:, :, None], factors[level - 1][k]).reshape(n, 2 * width)
    return acc


def product_rows(factors: list, L: int, combine: Callable, one: Any) -> Iterator[tuple[int, np.ndarray]]:
    """(r0, rows r0.. of X_1..X_L) by chunks: with l = L // 2, s = L - l, left = X_1..X_l and
    right = X_{l+1}..X_L, entry (i, a 2^s + c) is left[i, a] * right[a 2^s + (i mod 2^s), c]."""
    l, s = L // 2, L - L // 2
    left, right = partial(factors, L, 1, l, combine, one), partial(factors, L, l + 1, L, combine, one)
    right = right.reshape(1 << l, 1 << s, 1 << s)  # [a, i mod 2^s, c]
    step = min(1 << s, max(1, CHUNK >> L))  # powers of 2: a chunk never wraps around i mod 2^s
    for r0 in range(0, 1 << L, step):
        lo = r0 & ((1 << s) - 1)
        yield r0, combine(left[r0:r0 + step, :, None], right[:, lo:lo + step].transpose(1, 0, 2)).reshape(step, -1)


def _factors(data: dict, n: int, L: int, units: bool, cond: int) -> list:
    """Compact (N, 2) factors: uint16 exponents mod cond, or (numerators, denominators) object arrays."""
    raw = data.get("factors")
    if not (isinstance(raw, list) and len(raw) == L and all(isinstance(f, list) and len(f) == 2 * n for f in raw)):
        raise Malformed(f"'factors' must be {L} lists of {2 * n} values")
    if units:
        if any(set(map(type, f)) != {int} for f in raw):
            raise Malformed("exponents must be integers")
        try:
            return [(np.array(f, dtype=np.int64) % cond).astype(np.uint16).reshape(n, 2) for f in raw]
        except OverflowError:
            raise Malformed("exponent out of range") from None
    pairs = [[fraction(v, "factor") for v in f] for f in raw]
    return [tuple(np.array([x[t] for x in f], dtype=object).reshape(n, 2) for t in (0, 1)) for f in pairs]


def _nondegenerate(nonzero: list, L: int, n: int, nodes: set) -> None:
    """No zero column of X_p..X_l, no zero row of X_{l+1}..X_q (entries are products along one path)."""
    for p, l, q in sorted(nodes):
        left = partial(nonzero, L, p, l, np.logical_and, True)
        k = np.arange(n, dtype=np.int64)[:, None]
        rows, _ = _block(L, p, l, q, k, np.arange(1 << (l - p + 1))[None, :], 0)  # column k's support
        ml, _ = _masks(L, p, l, q)
        require(bool(left[rows, (k & ml) >> (L - l)].any(axis=1).all()), f"X_{p}..X_{l} has a zero column")
        right = partial(nonzero, L, l + 1, q, np.logical_and, True)
        require(bool(right.any(axis=1).all()), f"X_{l + 1}..X_{q} has a zero row")


def _mismatches(name: str, factors: list, L: int, perm: np.ndarray, z: Any, cond: int) -> Iterator[tuple[int, np.ndarray]]:
    """(r0, boolean rows r0.. of X_1..X_L != Z P^T), where (Z P^T)[i, j] = Z[i, perm[j]]."""
    if name == "explicit":  # num / den == Z[i, perm[j]] = znum[i, perm[j]] / z.den
        znum = np.array(z.num[0].entries(), dtype=object).reshape(z.rows, z.cols)
        nums, dens = ([f[t] for f in factors] for t in (0, 1))
        for (r0, num), (_, den) in zip(product_rows(nums, L, np.multiply, 1), product_rows(dens, L, np.multiply, 1)):
            yield r0, num * z.den != znum[r0:r0 + len(num)][:, perm] * den
        return
    perm16 = perm.astype(np.uint16)[None, :]
    parity = np.zeros(1 << L, dtype=np.uint16)  # popcount mod 2
    for bit in range(L):
        parity ^= (np.arange(1 << L, dtype=np.uint16) >> bit) & 1
    for r0, got in product_rows(factors, L, np.add, 0):
        rows = np.arange(r0, r0 + len(got), dtype=np.uint16)[:, None]
        if name == "dft":  # F[i, j] = zeta_n^(-ij): got + i perm[j] = 0 mod n (uint16 wraps mod 2^16)
            got += rows * perm16
        else:  # H[i, j] = (-1)^popcount(i & j) = zeta_2^parity
            got += parity[rows & perm16]
        yield r0, (got & (cond - 1)) != 0


@claim_handler("butterfly_unique")
def check_unique(doc: dict) -> str:
    claim, data, n, L = _head(doc)
    perm, tree = _perm(claim.get("perm"), n), _tree(claim.get("tree"))
    require((tree[0], tree[1]) == (1, L), f"the tree must cover levels 1..{L}")
    require(claim.get("verdict") == "identifiable", "claim.verdict must be 'identifiable'")
    name, encoding, z = claim.get("matrix"), data.get("encoding"), None
    if name in ("dft", "hadamard"):
        cond = n if name == "dft" else 2
        require(encoding == "roots_of_unity" and integer(data.get("conductor"), "conductor") == cond,
                f"{name} factors must be powers of zeta_{cond}")
    elif name == "explicit":
        require(encoding == "rational", "explicit matrices take rational factors")
        z, cond = decode(data.get("matrix")), 0
        require(z.n == 1 and (z.rows, z.cols) == (n, n), f"the matrix must be {n}x{n} over QQ")
    else:
        raise Malformed("claim.matrix must be 'dft', 'hadamard' or 'explicit'")
    factors = _factors(data, n, L, z is None, cond)
    nodes, lemma, facts = _nodes(tree), set(), set()
    for k, kind, step in steps_of(doc):
        with at_step(k, kind):
            if kind == "supports":  # the encoding places X_l's 2N values on supp(S_l)
                require(len(factors) == L and all(np.shape(f)[-2:] == (n, 2) for f in factors), "wrong factor sizes")
            elif kind == "split_lemma":
                node = _lemma_step(step, n, L)
                require(node in nodes, f"{node} is not a node of the claimed tree")
                lemma.add(node)
            elif kind == "nondegenerate":
                if z is not None:  # roots of unity are never zero
                    _nondegenerate([f[0] != 0 for f in factors], L, n, nodes)
            elif kind == "product":
                for r0, bad in _mismatches(name, factors, L, perm, z, cond):
                    if bad.any():
                        i, j = (int(x) for x in np.argwhere(bad)[0])
                        require(False, f"the product differs from Z P^T at ({r0 + i}, {j})")
            else:
                raise Malformed(f"step kind {kind!r} does not belong in a butterfly certificate")
            facts.add(kind)
    require(lemma == nodes, "the split lemma is not shown at every node of the tree")
    missing = {"supports", "nondegenerate", "product"} - facts
    require(not missing, f"missing steps: {', '.join(sorted(missing))}")
    return (f"the {name} matrix of size {n} (perm {claim.get('perm') if isinstance(claim.get('perm'), str) else 'explicit'})"
            f" has a butterfly factorization unique up to diagonal scalings (tree of {len(nodes)} splits)")


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
