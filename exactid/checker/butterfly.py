"""Butterfly factorization certificates (docs/design.md, section 3), checked from the definitions.

N = 2^L; level l (1..L) owns bit L - l of an index; supp(S_p..S_q) = {(i, j): i ^ j only in the
bits of levels p..q}.  Factor l lists its 2N values: value 2i + t is X_l[i, (i & ~b) | t b],
b = 2^(L-l), so its support lies in S_l by construction.  For (i, j) in supp(S_p..S_q) exactly
one k has (i, k) in supp(S_p..S_{q-1}) and (k, j) in supp(S_q): every entry of a product of
factors is a product along one path, computed entrywise on compact arrays (:func:`partial`).
Split lemma at a node (p, l, q): block k = {i = k off levels p..l} x {j = k off levels l+1..q}.
Theorem (Zheng et al.): if M = X_1..X_L and at every node of a tree X_p..X_l has no zero
column and X_{l+1}..X_q no zero row, the factorization is unique up to X_l -> D_{l-1}^-1 X_l D_l.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterator

import numpy as np

from .arith import fraction, index_list, integer
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .matrices import decode, equal, product
from .named import bitrev

MAX_N = 1 << 15  # exponents mod N are summed in uint16: mod 2^16, a multiple of N
CHUNK = 1 << 18  # entries per vectorized chunk (cache-sized)


def _head(doc: dict) -> tuple[dict, dict, int, int, np.ndarray]:
    """claim, data, N, L and the permutation."""
    claim, data, n = doc["claim"], doc.get("data"), integer(doc["claim"].get("n"), "claim.n")
    if not isinstance(data, dict) or not 2 <= n <= MAX_N or n & (n - 1):
        raise Malformed(f"'data' must be an object and n a power of 2 in 2..{MAX_N}")
    value = claim.get("perm")
    perm = np.arange(n) if value == "identity" else bitrev(n) if value == "bitrev" else None
    if isinstance(value, list) and len(value) == n:
        perm = np.array([integer(v, "perm") for v in value], dtype=np.int64)
    if perm is None or not np.array_equal(np.sort(perm), np.arange(n)):
        raise Malformed("perm must be 'identity', 'bitrev' or a permutation of 0..n-1")
    return claim, data, n, n.bit_length() - 1, perm


def perm_label(value: Any, perm: np.ndarray) -> str:
    """The permutation as a summary states it: its name, the list itself when short, else its
    SHA-256 prefix (two summaries about one matrix then never hide different permutations)."""
    n = len(perm)
    for name, ref in (("identity", np.arange(n)), ("bitrev", bitrev(n))):
        if value == name or np.array_equal(perm, ref):
            return f"perm {name}"
    if n <= 16:
        return f"perm {perm.tolist()}"
    digest = hashlib.sha256(",".join(map(str, perm.tolist())).encode("ascii")).hexdigest()[:16]
    return f"explicit perm sha256:{digest}"


def _nodes(obj: Any, out: set, depth: int = 0) -> tuple[int, int]:
    """Levels (p, q) of a tree (a leaf is a level, a node [left, right]); adds its splits (p, l, q) to out."""
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj, obj
    if not (isinstance(obj, list) and len(obj) == 2) or depth > 64:
        raise Malformed("a tree node must be a level or [left, right] (at most 64 deep)")
    (p, l), (m, q) = _nodes(obj[0], out, depth + 1), _nodes(obj[1], out, depth + 1)
    if m != l + 1:
        raise Malformed("tree leaves must be consecutive levels")
    out.add((p, l, q))
    return p, q


def _block(L: int, p: int, l: int, q: int, k: np.ndarray, r: np.ndarray, c: np.ndarray):
    """Row r and column c of block k (broadcast): rows depend on (k, r) only, columns on (k, c)."""
    ml, mr = ((1 << (l - p + 1)) - 1) << (L - l), ((1 << (q - l)) - 1) << (L - q)  # levels p..l, l+1..q
    return (k & ~ml) | (r << (L - l)), (k & ~mr) | (c << (L - q))


def split_lemma(n: int, L: int, p: int, l: int, q: int) -> None:
    """The N blocks of (p, l, q) are pairwise disjoint and cover supp(S_p..S_q).

    Checked on the block rows i(k, r) and columns j(k, c) apart (N 2^(l-p+1) + N 2^(q-l) values):
    i = k off ml, j = k off mr, ml and mr disjoint of union the levels p..q, so i ^ j lies in those
    levels; (k, r, c) = ((i & ~ml) | (j & ml), level bits of i, of j) is recovered from (i, j): the
    map is injective, and its N 2^(l-p+1) 2^(q-l) images are all of supp(S_p..S_q)."""
    node = (p, l, q)
    require(1 <= p <= l < q <= L, f"node {node} is not a split of 1..{L}")
    ml, mr = _block(L, p, l, q, 0, (1 << (l - p + 1)) - 1, (1 << (q - l)) - 1)  # k = 0, all level bits set
    require(ml & mr == 0 and ml | mr == ((1 << (q - p + 1)) - 1) << (L - q), f"bad masks at {node}")
    r, c = np.arange(1 << (l - p + 1))[None, :], np.arange(1 << (q - l))[None, :]
    step = max(1, CHUNK // (r.size + c.size))  # blocks at a time: bounded memory on comb trees
    for k in (np.arange(k0, min(n, k0 + step))[:, None] for k0 in range(0, n, step)):
        i, j = _block(L, p, l, q, k, r, c)
        require(not ((i ^ k) & ~ml).any() and not ((j ^ k) & ~mr).any(), f"a block of {node} leaves S_p..S_q")
        require(((i & ml) >> (L - l) == r).all() and ((j & mr) >> (L - q) == c).all(), f"blocks of {node} overlap")


def _lemma_step(step: dict, n: int, L: int) -> tuple:
    node = step.get("node")
    if not (isinstance(node, list) and len(node) == 3):
        raise Malformed("node must be [p, l, q]")
    node = tuple(integer(x, "node") for x in node)
    split_lemma(n, L, *node)
    return node


def partial(factors: list, L: int, p: int, q: int, combine: Callable, one: Any) -> np.ndarray:
    """Compact X_p..X_q (identity if q < p): out[i, t] = (X_p..X_q)[i, (i & ~m) | t 2^(L-q)], m = levels p..q.

    One path per entry: the next factor X extends it entrywise, out'[i, 2t + u] = out[i, t] * X[k, u]
    with k = (i & ~m) | t 2^(L-q) the column of out[i, t]."""
    n = 1 << L
    acc = np.full((n, 1), one, dtype=factors[0].dtype)
    for level in range(p, q + 1):  # i = (hi, mid, lo) in bits, mid the levels p..level-1: k = (hi, t, lo)
        w, s = acc.shape[1], 1 << (L - level + 1)
        x = factors[level - 1].reshape(n // (w * s), w, s, 2).transpose(0, 2, 1, 3)  # [hi, lo, t, u]
        acc = combine(acc.reshape(-1, w, s, w, 1), x[:, None]).reshape(n, 2 * w)
    return acc


def product_rows(factors: list, L: int, combine: Callable, one: Any) -> Iterator[tuple[int, np.ndarray]]:
    """(r0, rows r0.. of X_1..X_L) by chunks.  With s = L - L // 2, left = X_1..X_{L-s} and
    right = X_{L-s+1}..X_L, entry (i, a 2^s + c) is left[i, a] * right[a 2^s + (i mod 2^s), c]."""
    l, s = L // 2, L - L // 2
    left, right = partial(factors, L, 1, l, combine, one), partial(factors, L, l + 1, L, combine, one)
    right = right.reshape(1 << l, 1 << s, 1 << s).transpose(1, 0, 2)  # [i mod 2^s, a, c]
    step = min(1 << L, max(1, CHUNK >> L))  # a power of 2: a multiple or a divisor of 2^s
    for r0 in range(0, 1 << L, step):
        lo, m = r0 & ((1 << s) - 1), min(step, 1 << s)
        got = combine(left[r0:r0 + step].reshape(-1, m, 1 << l, 1), right[None, lo:lo + m])
        yield r0, got.reshape(step, 1 << L)


def _factors(data: dict, n: int, L: int, cond: int) -> list:
    """Compact (N, 2) factors: uint16 exponents mod cond, or (cond = 0) integer pairs (N, 2, 2)."""
    raw = data.get("factors")
    if not (isinstance(raw, list) and len(raw) == L and all(isinstance(f, list) and len(f) == 2 * n for f in raw)):
        raise Malformed(f"'factors' must be {L} lists of {2 * n} values")
    if not cond:  # [i, t, 0] numerators, [i, t, 1] denominators
        return [np.array([fraction(v, "factor") for v in f], dtype=object).reshape(n, 2, 2) for f in raw]
    if any(set(map(type, f)) != {int} for f in raw):
        raise Malformed("exponents must be integers")
    return [(np.array(f, dtype=np.int64) % cond).astype(np.uint16).reshape(n, 2) for f in raw]  # OverflowError past 2^63


def _nondegenerate(nonzero: list, L: int, nodes: set) -> None:
    """No zero column of X_p..X_l, no zero row of X_{l+1}..X_q (one path per entry: AND of nonzeros)."""
    for p, l, q in sorted(nodes):
        left, right = (partial(nonzero, L, a, b, np.logical_and, True) for a, b in ((p, l), (l + 1, q)))
        # left[i = (hi, mid, lo), t] lies in column (hi, t, lo), mid and t in the bits of levels p..l
        by_column = left.reshape(-1, 1 << (l - p + 1), 1 << (L - l), 1 << (l - p + 1))  # [hi, mid, lo, t]
        require(bool(by_column.any(axis=1).all()), f"X_{p}..X_{l} has a zero column")
        require(bool(right.any(axis=1).all()), f"X_{l + 1}..X_{q} has a zero row")


def _mismatches(name: str, factors: list, L: int, perm: np.ndarray, z: Any, cond: int) -> Iterator:
    """(r0, rows r0.. of X_1..X_L != Z P^T, nonzero where they differ), with (Z P^T)[i, j] = Z[i, perm[j]]."""
    if name == "explicit":  # num / den == znum[i, perm[j]] / z.den
        znum = np.array(z.num[0].entries(), dtype=object).reshape(z.rows, z.cols)
        for (r0, num), (_, den) in zip(*(product_rows([f[..., t] for f in factors], L, np.multiply, 1) for t in (0, 1))):
            yield r0, num * z.den != znum[r0:r0 + len(num)][:, perm] * den
        return
    perm16 = perm.astype(np.uint16)[None, :]
    for r0, got in product_rows(factors, L, np.add, 0):
        rows = np.arange(r0, r0 + len(got), dtype=np.uint16)[:, None]
        # F[i, j] = zeta_n^(-ij): got + i perm[j] = 0 mod n; H[i, j] = zeta_2^popcount(i & j): got + that = 0 mod 2
        got += rows * perm16 if name == "dft" else np.bitwise_count(rows & perm16)  # uint16: mod 2^16
        yield r0, np.bitwise_and(got, cond - 1, out=got)  # nonzero where the entry differs


@claim_handler("butterfly_unique")
def check_unique(doc: dict) -> str:
    claim, data, n, L, perm = _head(doc)
    nodes: set = set()
    require(_nodes(claim.get("tree"), nodes) == (1, L), f"the tree must cover levels 1..{L}")
    require(claim.get("verdict") == "identifiable", "claim.verdict must be 'identifiable'")
    name, encoding, z = claim.get("matrix"), data.get("encoding"), None
    if name in ("dft", "hadamard"):
        cond = n if name == "dft" else 2
        require(encoding == "roots_of_unity" and integer(data.get("conductor"), "conductor") == cond,
                f"{name} factors must be powers of zeta_{cond}")
    elif name == "explicit":
        z, cond = decode(data.get("matrix")), 0
        require((z.rows, z.cols) == (n, n), f"the matrix must be {n}x{n}")
        require(encoding == ("rational" if z.conductor == 1 else "cyclotomic"), "explicit factors are rational over QQ, "
                "cyclotomic over QQ(zeta_c)")
    else:
        raise Malformed("claim.matrix must be 'dft', 'hadamard' or 'explicit'")
    if encoding == "cyclotomic":  # exact values in Q(zeta_c): polynomials mod Phi_c
        from .butterfly_explicit import poly_factors

        require(integer(data.get("conductor"), "conductor") == z.conductor, "the conductor is not the matrix's")
        factors = poly_factors(data.get("factors"), n, L, z.conductor, encoding)
    else:
        factors = _factors(data, n, L, cond)
    lemma, facts = set(), set()
    for k, kind, step in steps_of(doc):
        with at_step(k, kind):
            if kind == "supports":  # the encoding places X_l's 2N values on supp(S_l)
                require(len(factors) == L and all(f.shape[:2] == (n, 2) for f in factors), "wrong factor sizes")
            elif kind == "split_lemma":
                node = _lemma_step(step, n, L)
                require(node in nodes, f"{node} is not a node of the claimed tree")
                lemma.add(node)
            elif kind == "nondegenerate":
                if z is not None:  # roots of unity are never zero
                    _nondegenerate([np.asarray((f if encoding == "cyclotomic" else f[..., 0]) != 0, dtype=bool)
                                    for f in factors], L, nodes)
            elif kind == "product" and encoding == "cyclotomic":
                from .butterfly_explicit import product_holds

                product_holds(factors, L, perm, z, "the factors")
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
    return (f"the {name} matrix of size {n} ({perm_label(claim['perm'], perm)})"
            f" has a butterfly factorization unique up to diagonal scalings (tree of {len(nodes)} splits)")


@claim_handler("butterfly_no_factorization")
def check_no_factorization(doc: dict) -> str:
    claim, data, n, L, perm = _head(doc)
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
                r, c = (index_list(step.get(key), 1 << b, key) for key, b in (("rows", level), ("cols", L - level)))
                require(len(r) == len(c) == 2, "rows and cols must list two local indices each")
                i, j = _block(L, 1, level, L, block, np.array(r), np.array(c))
                e = [[z.submatrix([int(a)], [int(perm[b])]) for b in j] for a in i]
                require(not equal(product(e[0][0], e[1][1]), product(e[0][1], e[1][0])),
                        "the 2x2 minor of the block vanishes")
                witness = level
            else:
                raise Malformed(f"step kind {kind!r} does not belong here")
    require(witness is not None and (1, witness, L) in lemma, "needs a rank-two block and the split lemma of its split")
    return (f"the {n}x{n} matrix has no butterfly factorization with {perm_label(claim['perm'], perm)}: a block of the split at level {witness} "
            "has rank >= 2 while every product of butterfly parts is rank one on it")
