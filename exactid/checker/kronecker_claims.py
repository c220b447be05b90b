"""Kronecker-sparse claims: ``kronecker_unique``, ``kronecker_no_factorization``, ``kronecker_not_identifiable``.

The definitions, the class lemma and the modular products along the tree are in :mod:`.kronecker`.
Not identifiable: two factorizations of the matrix (products checked) and an invariant of the group
Y_l = G_{l-1}^-1 X_l G_l that differs: the zero pattern of a factor (different_zeros, classes of size 1), or
(class_rank) the rank over Q of the rows of a class P of the split at l in X_{l+1} (G_l^-1 mixes rows only
within P, G_{l+1} is invertible), or of its columns in X_l.
"""

from __future__ import annotations

from math import prod

import flint
import numpy as np

from .arith import check_root, integer
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .kronecker import (MAX_PRIME, bound, factor_values, head, lemma_step, primes, root_product,
                        top_pattern)
from .matrices import decode


def _target(claim: dict, data: dict, pats: list, roots: bool):
    """('dft', n, perm) | ('explicit', CMatrix) | ('planted', values)."""
    m, n = pats[0][0] * pats[0][1] * pats[0][3], pats[-1][0] * pats[-1][2] * pats[-1][3]
    name = claim.get("matrix")
    if name == "dft":
        require(roots and m == n and integer(data.get("conductor"), "conductor") == n, "dft factors are powers of ζ_n")
        perm = claim.get("perm")
        if isinstance(perm, dict) and isinstance(perm.get("digit_reversal"), list):
            rs = [integer(x, "radix") for x in perm["digit_reversal"]]
            require(all(x >= 2 for x in rs) and prod(rs) == n, "radices must multiply to n")
            j, out, low, place = np.arange(n), np.zeros(n, dtype=np.int64), n, 1
            for x in rs:
                low //= x
                out, place = out + ((j // low) % x) * place, place * x
            return "dft", n, out
        require(perm == "identity", "perm must be 'identity' or {'digit_reversal': radices}")
        return "dft", n, np.arange(n)
    require(not roots, "roots of unity only for the dft")
    if name == "explicit":
        z = decode(data.get("matrix"))
        require(z.conductor == 1 and (z.rows, z.cols) == (m, n), f"the matrix must be {m}x{n} over QQ")
        return "explicit", z
    require(name == "planted", "claim.matrix must be 'dft', 'explicit' or 'planted'")
    return "planted", factor_values(data.get("planted"), pats, False)


def _product(claim: dict, step: dict, values: list, pats: list, nodes: dict, lemma: dict, target: tuple,
             roots: bool, n: int) -> None:
    require(set(lemma) == set(nodes), "the class lemma must come first, at every node")
    top = top_pattern(pats, nodes)
    A, B, C, D = top
    if roots:
        p, root = integer(step.get("prime"), "prime"), integer(step.get("root"), "root")
        check_root(n, p, root)
        require(p < MAX_PRIME and top == (1, n, n, 1), f"p below {MAX_PRIME} and a full product pattern")
        ps, roots_ = [p], [root]
    else:
        ps = primes(step, "primes")
        roots_ = [1] * len(ps)
        Dn, Bn = bound(values, pats)
        if target[0] == "explicit":
            z = target[1]
            big = max(abs(int(e)) for e in z.num[0].entries()) if z.rows * z.cols else 0
            Dn, Bn = Dn * z.den, Dn * z.den * (Bn + big)
        else:
            D2, B2 = bound(target[1], pats)
            Dn, Bn = Dn * D2, Dn * D2 * (Bn + B2)
        require(all(Dn % q for q in ps), "a prime divides a denominator")
        require(prod(ps) > Bn, "the primes do not exceed the bound on the entries")
    i = ((np.arange(A)[:, None, None, None] * B + np.arange(B)[None, :, None, None]) * D
         + np.arange(D)[None, None, None, :])
    j = (np.arange(A)[:, None, None, None] * C + np.arange(C)[None, None, :, None]) * D + np.arange(D)[None, None, None, :]
    for p, root in zip(ps, roots_):
        got = root_product(claim, values, pats, nodes, lemma, p, root, n)
        if target[0] == "dft":
            table = np.array([pow(root, e, p) for e in range(n)], dtype=np.int64)
            want = table[(-(i * target[2][j])) % n]
        elif target[0] == "planted":
            want = root_product(claim, target[1], pats, nodes, lemma, p, 1, 1)
        else:
            dense = np.array(target[1].reduce(p, 1).entries(), dtype=np.int64).reshape(target[1].rows, -1)
            want = dense[i, j]
            dense[i, j] = 0
            require(not dense.any(), f"the matrix is nonzero modulo {p} off the product pattern")
        bad = np.argwhere(got != want)
        require(len(bad) == 0, f"the product differs from the matrix modulo {p} (compact entry {bad[:1].tolist()})")


def _nondegenerate(claim: dict, step: dict, values: list, pats: list, nodes: dict, lemma: dict) -> None:
    require(set(lemma) == set(nodes), "the class lemma must come first, at every node")
    p = primes({"primes": [step.get("prime")]}, "primes")[0]
    require(bound(values, pats)[0] % p != 0, "the prime divides a denominator")
    root_product(claim, values, pats, nodes, lemma, p, 1, 1, ranks=True)


@claim_handler("kronecker_unique")
def check_unique(doc: dict) -> str:
    claim, data, pats, nodes = head(doc)
    require(claim.get("verdict") == "identifiable", "claim.verdict must be 'identifiable'")
    roots = data.get("encoding") == "roots_of_unity"
    require(roots or data.get("encoding") == "rational", "encoding must be 'rational' or 'roots_of_unity'")
    n = integer(data["conductor"], "conductor") if roots else 1
    values, target = factor_values(data.get("factors"), pats, roots), _target(claim, data, pats, roots)
    ids: dict = {}
    done = set()
    for k, kind, step in steps_of(doc):
        with at_step(k, kind):
            if kind == "class_lemma":
                lemma_step(step, nodes, pats, ids)
            elif kind == "nondegenerate":  # roots of unity: one path per entry (r = 1), never zero
                if roots:
                    require(all(nd[3] == 1 for nd in nodes.values()), "roots of unity need classes of size 1")
                else:
                    _nondegenerate(claim, step, values, pats, nodes, ids)
            elif kind == "product":
                _product(claim, step, values, pats, nodes, ids, target, roots, n)
            else:
                raise Malformed(f"step kind {kind!r} does not belong in a Kronecker-sparse certificate")
            done.add(kind)
    require(set(ids) == set(nodes), "the class lemma is not shown at every node of the tree")
    require({"nondegenerate", "product"} <= done, "missing steps: nondegenerate and product are required")
    sizes = sorted({nd[3] for nd in nodes.values()})
    amb = "nothing" if not nodes else "diagonal scalings" if sizes == [1] else \
        f"block-diagonal invertible matrices on classes of size {sizes}"
    return (f"the {claim['matrix']} matrix has a factorization in the architecture of {len(pats)} Kronecker-sparse "
            f"factors, unique up to {amb} ({len(nodes)} splits)")


@claim_handler("kronecker_no_factorization")
def check_no_factorization(doc: dict) -> str:
    claim, data, pats, nodes = head(doc)
    require(claim.get("verdict") == "no_factorization" and claim.get("matrix") == "explicit", "explicit, no_factorization")
    z = _target(claim, data, pats, False)[1]
    ids: dict = {}
    reason = None
    for k, kind, step in steps_of(doc):
        with at_step(k, kind):
            if kind == "class_lemma":
                lemma_step(step, nodes, pats, ids)
            elif kind == "outside_support":  # S_1..S_L lies in the root pattern (lemma at every node)
                require(set(ids) == set(nodes), "the class lemma must be shown at every node first")
                i, j = integer(step.get("row"), "row"), integer(step.get("col"), "col")
                A, B, C, D = top_pattern(pats, nodes)
                require(0 <= i < z.rows and 0 <= j < z.cols, "entry out of range")
                require(i // (B * D) != j // (C * D) or i % D != j % D, "the entry lies in the product pattern")
                require(z.num[0][i, j] != 0, "the entry is zero")
                reason = f"entry ({i}, {j}) is nonzero off the product pattern"
            elif kind == "rank_excess":  # a class block of the root split with rank > r
                require(set(ids) == set(nodes), "the class lemma must be shown at every node first")
                root = [x for x in nodes if x[0] == 1 and x[2] == len(pats)][0]
                (a, b, c, d), (a2, b2, c2, d2), _, r = nodes[root]
                rows = [integer(x, "rows") for x in step.get("rows", [])]
                cols = [integer(x, "cols") for x in step.get("cols", [])]
                require(len(rows) == len(cols) == r + 1 and len(set(rows)) == len(set(cols)) == r + 1, "r+1 rows, cols")
                require(all(0 <= i < z.rows for i in rows) and all(0 <= j < z.cols for j in cols), "out of range")
                # one class: rows share (i // bd, i mod d), columns (j // c'd', j mod d'), and some k has both keys
                rk = {(i // (b * d), i % d) for i in rows}
                ck = {(j // (c2 * d2), j % d2) for j in cols}
                require(len(rk) == len(ck) == 1, "the rows and columns are not those of one class")
                (ra, rd), (ca, cd) = rk.pop(), ck.pop()
                inner = np.arange(a * c * d)
                hit = (inner // (c * d) == ra) & (inner % d == rd) & (inner // (b2 * d2) == ca) & (inner % d2 == cd)
                require(int(hit.sum()) == r, "the rectangle is not that of a class of size r")
                minor = flint.fmpq_mat([[flint.fmpq(z.num[0][i, j], z.den) for j in cols] for i in rows])
                require(minor.det() != 0, "the minor vanishes")
                reason = f"a class block of the split at {root[1]} has rank > {r}"
            else:
                raise Malformed(f"step kind {kind!r} does not belong here")
    require(reason is not None, "needs an outside_support or rank_excess step")
    return f"the {z.rows}x{z.cols} matrix has no factorization in the architecture: {reason}"


def _class_rank(values: tuple, pat: tuple, members: np.ndarray, side: str) -> int:
    """Rank over Q of the rows ``members`` of a factor (side rows) or of its columns (side columns)."""
    a, b, c, d = pat
    mid = (members // d) % (b if side == "rows" else c)
    al, de = members // ((b if side == "rows" else c) * d), members % d
    require(len(set(zip(al.tolist(), de.tolist()))) == 1, "the class meets several supports of the factor")
    num, den = (v.reshape(pat)[al[0], :, :, de[0]] for v in values)  # (b, c): all the class's nonzeros
    if side == "rows":
        num, den = num[mid, :], den[mid, :]
    else:
        num, den = num[:, mid].T, den[:, mid].T
    return flint.fmpq_mat([[flint.fmpq(int(x), int(y)) for x, y in zip(u, v)] for u, v in zip(num, den)]).rref()[1]


@claim_handler("kronecker_not_identifiable")
def check_not_identifiable(doc: dict) -> str:
    claim, data, pats, nodes = head(doc)
    require(claim.get("verdict") == "not_identifiable", "claim.verdict must be 'not_identifiable'")
    target = _target(claim, data, pats, False)
    first, second = factor_values(data.get("factors"), pats, False), factor_values(data.get("second"), pats, False)
    ids: dict = {}
    checked, differs, rank_step = 0, None, False
    for k, kind, step in steps_of(doc):
        with at_step(k, kind):
            if kind == "class_lemma":
                lemma_step(step, nodes, pats, ids)
            elif kind == "product":
                _product(claim, step, first if checked == 0 else second, pats, nodes, ids, target, False, 1)
                checked += 1
            elif kind == "different_zeros":  # diagonal scalings keep the zero pattern of every factor
                f = integer(step.get("factor"), "factor")
                require(1 <= f <= len(pats), "factor out of range")
                same = np.array_equal(first[f - 1][0] == 0, second[f - 1][0] == 0)
                require(not same, f"X_{f} has the same zero pattern in both factorizations")
                differs = f
            elif kind == "class_rank":  # G_l block-diagonal on the classes of the split at l keeps these ranks
                require(set(ids) == set(nodes), "the class lemma must be shown at every node first")
                raw, side = step.get("node"), step.get("side")
                node = tuple(integer(x, "node") for x in raw) if isinstance(raw, list) else None
                require(node in nodes and side in ("rows", "columns"), "node of the tree, side rows or columns")
                members = ids[node][2][(ids[node][2] == integer(step.get("member"), "member")).any(axis=1)]
                require(len(members) == 1, "member is not an inner index of the split")
                f = node[1] + (side == "rows")  # rows of X_{l+1} or columns of X_l, on the class of member
                ranks = [_class_rank(v[f - 1], pats[f - 1], members[0], side) for v in (first, second)]
                require(ranks[0] != ranks[1], f"the class has rank {ranks[0]} in X_{f} in both factorizations")
                differs, rank_step = f, True
            else:
                raise Malformed(f"step kind {kind!r} does not belong here")
    require(set(ids) == set(nodes), "the class lemma is not shown at every node of the tree")
    require(rank_step or all(nd[3] == 1 for nd in nodes.values()), "different_zeros needs classes of size 1")
    require(checked == 2 and differs is not None, "needs two product steps and a different_zeros or class_rank step")
    if rank_step:
        return (f"the matrix has two factorizations in the architecture of {len(pats)} factors in which a class of "
                f"X_{differs} has different ranks: not identifiable up to the block-diagonal ambiguity on the classes")
    return (f"the matrix has two factorizations in the architecture of {len(pats)} factors that differ in the zeros "
            f"of X_{differs}: not identifiable up to diagonal scalings")
