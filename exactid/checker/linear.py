"""Rank facts: a minor nonzero mod p (rank >= r) and verified kernel vectors (rank <= n - k)."""

from __future__ import annotations

from .arith import check_root, index_list, integer
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .matrices import CMatrix, decode, field_name, product


def minor_nonzero_mod_p(matrix: CMatrix, step: dict) -> int:
    """Check that the minor (rows, cols) is nonzero mod p under zeta_n -> root; return its size."""
    p, root = integer(step.get("p"), "p"), integer(step.get("root"), "root")
    check_root(matrix.conductor, p, root)
    rows = index_list(step.get("rows"), matrix.rows, "rows")
    cols = index_list(step.get("cols"), matrix.cols, "cols")
    require(len(rows) == len(cols), "rows and cols differ in number")
    if not rows:
        return 0
    image = matrix.submatrix(rows, cols).reduce(p, root)
    require(image.rank() == len(rows), f"the {len(rows)}x{len(rows)} minor vanishes mod {p}")
    return len(rows)


def kernel_vectors(matrix: CMatrix, step: dict) -> int:
    """Check M @ W == 0 exactly and that W's columns are independent; return their number."""
    vectors = decode(step.get("vectors"), "vectors")
    require(vectors.conductor == matrix.conductor, "kernel vectors are over another field")
    require(vectors.rows == matrix.cols, "kernel vectors have the wrong length")
    require(product(matrix, vectors).is_zero(), "M @ W is not zero")
    independence = step.get("independence")
    if not isinstance(independence, dict):
        raise Malformed("'independence' must be an object")
    witness = dict(independence, cols=list(range(vectors.cols)))
    require(minor_nonzero_mod_p(vectors, witness) == vectors.cols, "kernel vectors not shown independent")
    return vectors.cols


def certify_rank_steps(matrix: CMatrix, steps: list, claimed: int) -> tuple[bool, bool]:
    """Run rank steps on ``matrix``; return (lower bound proved, upper bound proved)."""
    lower = claimed == 0
    upper = claimed == min(matrix.rows, matrix.cols)
    for k, kind, step in steps:
        with at_step(k, kind):
            # every step is verified, even one whose bound is already known (no short-circuit)
            if kind == "minor_nonzero_mod_p":
                lower = (minor_nonzero_mod_p(matrix, step) >= claimed) or lower
            elif kind == "kernel_vectors":
                upper = (matrix.cols - kernel_vectors(matrix, step) <= claimed) or upper
            else:
                raise Malformed(f"step kind {kind!r} does not belong in a rank certificate")
    return lower, upper


@claim_handler("rank")
def check_rank(doc: dict) -> str:
    claim, data = doc["claim"], doc.get("data")
    if not isinstance(data, dict):
        raise Malformed("'data' must be an object")
    matrix = decode(data.get("matrix"))
    rank = integer(claim.get("rank"), "claim.rank")
    bound = claim.get("bound")
    if bound not in ("exact", "lower_bound"):
        raise Malformed("claim.bound must be 'exact' or 'lower_bound'")
    require(claim.get("field", field_name(matrix.conductor)) == field_name(matrix.conductor), "claim.field is not the matrix's field")
    require(claim.get("shape", [matrix.rows, matrix.cols]) == [matrix.rows, matrix.cols],
            "claim.shape is not the matrix's shape")
    require(0 <= rank <= min(matrix.rows, matrix.cols), "claimed rank exceeds the matrix size")
    lower, upper = certify_rank_steps(matrix, steps_of(doc), rank)
    require(lower, f"no step proves rank >= {rank}")
    if bound == "exact":
        require(upper, f"no step proves rank <= {rank}")
    relation = "=" if bound == "exact" else ">="
    return f"rank {relation} {rank} for a {matrix.rows}x{matrix.cols} matrix over {field_name(matrix.conductor)}"
