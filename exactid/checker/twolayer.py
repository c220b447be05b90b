"""Two-layer sparse factorizations Z = X Y in a tight-count family (docs/twolayer.md): every
factorization is an exact cover of Z's entries by r rank-one k x k' blocks: a unique cover
means identifiable, two covers not identifiable, none no factorization.  Fixed supports are
checked in :mod:`twolayer_fixed`."""

from __future__ import annotations

import numpy as np

from .arith import index_list, integer
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .matrices import decode, field_name
from .named import root_sum_terms
from .supports import RootSums, block, blocks_rank_one, candidates_mod_p, count_covers, is_exact_cover

MAX_NAMED_SIZE = 2048


MAX_NAMED_SIZE = 2048

def product_matrix(claim: dict, data: dict) -> RootSums:
    spec = claim.get("matrix")
    if isinstance(spec, dict):
        size = integer(spec.get("n"), "matrix.n")
        require(1 <= size <= MAX_NAMED_SIZE, f"named sizes beyond {MAX_NAMED_SIZE} are outside the checker's limits")
        conductor, terms, den = root_sum_terms(spec.get("name"), size)
        return RootSums(conductor, np.stack([e for e, _ in terms]), np.stack([v for _, v in terms]), den)
    if spec == "data":
        return RootSums.from_cmatrix(decode(data.get("matrix")))
    raise Malformed("claim.matrix must be {'name', 'n'} or 'data'")


def block_list(value, m: int, n: int, shape: tuple) -> list:
    """Distinct blocks of the given shape (a cover is a set: a block listed twice is refused)."""
    out = [block(b, m, n) for b in (value if isinstance(value, list) else [None])]
    require(all((len(r), len(c)) == shape for r, c in out), f"a block is not of shape {shape[0]}x{shape[1]}")
    require(len(set(out)) == len(out), "a block is listed twice")
    return out


@claim_handler("two_layer_family")
def check_family(doc: dict) -> str:
    claim, data = doc["claim"], doc.get("data", {})
    if not isinstance(data, dict):
        raise Malformed("'data' must be an object")
    Z = product_matrix(claim, data)
    m, n = Z.shape
    r, k, kp = (integer(claim.get(f), f) for f in ("r", "x_col_sparsity", "y_row_sparsity"))
    verdict = claim.get("verdict")
    if verdict not in ("identifiable", "not_identifiable", "no_factorization") or not (1 <= k <= m and 1 <= kp <= n and r >= 1):
        raise Malformed("bad verdict or family parameters")
    require(claim.get("shape") == [m, n] and claim.get("field") == field_name(Z.conductor),
            f"claim.shape or claim.field is not Z's ({m}x{n} over {field_name(Z.conductor)})")
    supp, excluded, searched, covers, rank_one = None, set(), None, [], set()

    def counted(mask: np.ndarray) -> np.ndarray:
        """The support, once the family's count is checked against it (before any search)."""
        nnz = int(mask.sum())
        require(r * k * kp == nnz or (verdict == "no_factorization" and r * k * kp < nnz),
                f"r k k' = {r * k * kp} is not the tight count nnz(Z) = {nnz} (nor below it for no_factorization)")
        return mask

    def inside(blocks: list) -> list:
        require(supp is not None and all(supp[np.ix_(rows, cols)].all() for rows, cols in blocks),
                "a block leaves the support of Z (or the support is not proved yet)")
        return blocks

    for idx, kind, step in steps_of(doc):
        with at_step(idx, kind):
            if kind == "entries_nonzero_mod_p":
                p, A = Z.residues(step)
                require(bool(A.all()), f"an entry of Z vanishes mod {p}")
                supp = counted(np.ones((m, n), dtype=bool))
            elif kind == "support_mod_p":  # entries nonzero mod p are nonzero; the others exactly zero
                p, A = Z.residues(step)
                zi, zj = np.nonzero(A == 0)
                require(bool(Z.entries_vanish(zi, zj).all()), f"an entry of Z is zero mod {p} but not exactly zero")
                require(len(zi) < m * n, "Z is zero")
                supp = counted(A != 0)
            elif kind == "block_not_rank_one":
                b, (p, A) = block(step.get("block"), m, n), Z.residues(step)
                rows, cols = index_list(step.get("rows"), m, "rows"), index_list(step.get("cols"), n, "cols")
                require(len(rows) == len(cols) == 2 and set(rows) <= set(b[0]) and set(cols) <= set(b[1]),
                        "the minor is not a 2x2 minor of the block")
                A = A[np.ix_(rows, cols)].astype(object)
                require((A[0, 0] * A[1, 1] - A[1, 0] * A[0, 1]) % p != 0, f"the 2x2 minor vanishes mod {p}")
                excluded.add(b)
            elif kind == "cover_search":
                require(supp is not None, "the search needs the support of Z proved first")
                p, A = Z.residues(step)
                require(bool(A[supp].all()), f"a nonzero entry of Z vanishes mod {p}")  # else candidates are lost
                candidates = [b for b in candidates_mod_p(np.where(supp, A, 0), p, k, kp) if b not in excluded]
                found = count_covers(m, n, candidates, 2, supp)
                require(len(found) == integer(step.get("covers"), "covers"),
                        f"the search finds {len(found)} cover(s), the step claims {step.get('covers')!r}")
                searched = [[candidates[b] for b in cover] for cover in found]
            elif kind == "exact_cover":
                blocks = inside(block_list(step.get("blocks"), m, n, (k, kp)))
                require(len(blocks) == r and is_exact_cover(blocks, m, n, supp), "the blocks are not an exact cover")
                covers.append(frozenset(blocks))
            elif kind == "rank_one_blocks":
                blocks = inside(block_list(step.get("blocks"), m, n, (k, kp)))  # pivots are nonzero
                blocks_rank_one(Z, blocks)
                rank_one.update(blocks)
            else:
                raise Malformed(f"step kind {kind!r} does not belong in a two-layer family certificate")
    require(supp is not None, "no step proves the support of Z")
    nnz = int(supp.sum())
    what = (f"{claim['matrix']['name']}({claim['matrix']['n']})" if isinstance(claim.get("matrix"), dict)
            else f"the {m}x{n} data matrix")
    family = f"X {k}-sparse by column, Y {kp}-sparse by row, r = {r}"
    if verdict == "not_identifiable":
        require(len(set(covers)) >= 2, "two different exact covers are needed")
        require(all(b in rank_one for cover in covers for b in cover), "a cover block is not proved rank one")
        return f"{what} is not identifiable ({family}): two exact covers by rank-one blocks"
    if r * k * kp < nnz:  # every product in the family has at most r k k' nonzero entries
        return f"{what} has no factorization with {family}: more than r k k' nonzero entries"
    require(searched is not None, "no cover_search step")
    if verdict == "no_factorization":
        require(not searched, "the search found a cover")
        return f"{what} has no factorization with {family}"
    require(len(searched) == 1, "the search did not find exactly one cover")
    require(all(b in rank_one for b in searched[0]), "a block of the unique cover is not proved rank one")
    return f"{what} is identifiable ({family}): unique exact cover by {r} rank-one blocks"
