"""Certified rank and nullspace over Q and Q(zeta_n).

The rank r is computed modulo a prime p that splits completely in Q(zeta_n): for matrices
of at least ``FLOAT_ELIMINATION_ENTRIES`` entries a prime p <= ``modular.PRIME_MAX`` and the
elimination by float64 matrix products of :mod:`exactid.linalg.modular`, for smaller ones a
62-bit prime and ``nmod_mat``.  It comes with two certificates:

- lower bound (rank >= r): rows and columns of an r x r minor whose image mod p, under
  zeta_n -> root, is nonzero; a nonzero image proves a nonzero minor;
- upper bound (rank <= r): n - r kernel vectors with entries in Z[zeta_n], verified by an
  exact product M @ W == 0, whose independence is again a nonzero minor mod p.

The kernel is reconstructed multimodularly: for each prime and each of the phi(n)
embeddings zeta_n -> rho, solve the pivot block system mod p scaled by its determinant
(so that the kernel vectors are integral), interpolate the coefficients, and combine the
primes by Chinese remaindering until the candidate stabilizes and passes the exact check.
Correctness never depends on a size bound: only verified vectors are returned.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Optional, Sequence

import flint
import numpy as np

from ..domains.finite import Reduction, iter_split_primes, primitive_roots, root_of_order
from ..domains.matrix import ExactMatrix, compact_int_array, to_fmpz_mat
from ..errors import CertificationError, DomainError
from ..resources import ensure_fits
from .modular import PRIME_MAX, iter_modular_primes, rank_profile

#: Matrices with at least this many entries take the float64 elimination (faster from here on).
FLOAT_ELIMINATION_ENTRIES = 200_000


@dataclass(frozen=True)
class MinorWitness:
    """An r x r minor of a matrix that is nonzero modulo ``p`` under zeta_n -> ``root``."""

    p: int
    root: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]


@dataclass
class RankResult:
    """A certified rank.

    ``certified`` is ``"exact"`` when both bounds are certified, ``"lower_bound"`` when only
    rank >= ``rank`` is (the string form then reads ``rank >= r``).
    """

    rank: int
    certified: str
    minor: MinorWitness
    kernel: Optional[ExactMatrix] = None
    primes_used: int = 1
    notes: list[str] = dc_field(default_factory=list)

    def __str__(self) -> str:
        return f"rank = {self.rank}" if self.certified == "exact" else f"rank >= {self.rank}"


def pivot_columns(echelon: flint.nmod_mat, rank: int) -> list[int]:
    """Pivot column of each of the first ``rank`` rows of a reduced echelon form."""
    pivots, j = [], 0
    for i in range(rank):
        while int(echelon[i, j]) == 0:
            j += 1
        pivots.append(j)
        j += 1
    return pivots


def rank_mod_p(matrix: ExactMatrix, reduction: Reduction) -> int:
    """Rank of the image modulo p (a lower bound of the rank over the field)."""
    return matrix.reduce(reduction).rank() if matrix.nrows and matrix.ncols else 0


def residues(matrix: ExactMatrix, reduction: Reduction) -> np.ndarray:
    """Image modulo p under ``reduction`` as an int64 array with entries in [0, p), p <= PRIME_MAX.

    >>> from exactid.domains import ExactMatrix, QQ
    >>> residues(ExactMatrix.from_rows([[1, "1/2"], [-1, 0]], QQ), Reduction(1, 7, 1)).tolist()
    [[1, 4], [6, 0]]
    """
    p = reduction.p
    if p > PRIME_MAX:
        raise DomainError(f"p = {p} exceeds {PRIME_MAX}")
    if matrix.den % p == 0:
        raise DomainError(f"denominator {matrix.den} is divisible by p = {p}")
    ensure_fits(16 * matrix.nrows * matrix.ncols, f"the image mod p of a {matrix.nrows}x{matrix.ncols} matrix")
    acc = np.zeros(matrix.shape, dtype=np.int64)
    for coeff, power in zip(matrix.num, reduction.powers(matrix.field.degree)):
        acc += np.remainder(coeff, p).astype(np.int64) * power  # below 2^42 + 2^21
        acc %= p
    if matrix.den != 1:
        acc = acc * pow(matrix.den, -1, p) % p
    return acc


def nonzero_minor(matrix: ExactMatrix, reduction: Reduction) -> MinorWitness:
    """Rows and columns of a maximal minor that is nonzero modulo p.

    The rows are the row rank profile and the columns the column rank profile of the image
    mod p (the same minor by either elimination).
    """
    m, n = matrix.shape
    if m == 0 or n == 0:
        return MinorWitness(reduction.p, reduction.root, (), ())
    if reduction.p <= PRIME_MAX:
        profile = rank_profile(residues(matrix, reduction), reduction.p)
        return MinorWitness(reduction.p, reduction.root, profile.rows, profile.cols)
    image = matrix.reduce(reduction)
    echelon, r = image.rref()
    cols = list(range(n)) if r == n else pivot_columns(echelon, r)
    if r == m:
        rows = list(range(m))
    else:
        echelon_t, _ = image.transpose().rref()
        rows = pivot_columns(echelon_t, r)
    return MinorWitness(reduction.p, reduction.root, tuple(rows), tuple(cols))


def _coefficient_bits_bound(block: np.ndarray) -> int:
    """A generous bound on the bit size of r x r minors of ``block`` (shape (d, r, k)).

    Used only to stop searching when the prime was unlucky: results are verified exactly.
    """
    d, r, _ = block.shape
    if r == 0:
        return 1
    absval = np.abs(block.astype(object)).sum(axis=0)  # |sigma(a)| <= sum |coefficients|
    bits = 0.0
    for i in range(r):
        norm2 = sum(int(x) * int(x) for x in absval[i])
        bits += 0.5 * math.log2(norm2) if norm2 > 0 else 0.0
    return int(bits) + d * 8 + 64


def integral_kernel(
    matrix: ExactMatrix,
    rows: Sequence[int],
    cols: Sequence[int],
    progress: Optional[Callable[[int], None]] = None,
) -> Optional[ExactMatrix]:
    """Kernel basis with entries in Z[zeta_n], given a maximal nonsingular minor (rows, cols).

    Column j of the result is nonzero at the j-th non-pivot column (a divisor of the
    minor's determinant there, after dividing out the column's content) and 0 at the other
    non-pivot columns, so the columns are independent.  Returns ``None``
    when no verified basis is found within the prime budget (the minor was not maximal
    over the field: the rank mod p was too small).
    """
    field = matrix.field
    d, n_cond = field.degree, field.conductor
    ncols = matrix.ncols
    pivot_set = set(cols)
    free = [j for j in range(ncols) if j not in pivot_set]
    r, f = len(cols), len(free)
    if f == 0:
        return ExactMatrix.zeros(ncols, 0, field)
    ensure_fits(8 * d * (ncols * f) * 40 + 8 * d * r * ncols * 4, "the kernel computation")
    block = matrix.num[:, list(rows), :]
    if r == 0:
        num = np.zeros((d, ncols, f), dtype=np.int64)
        num[0, free, range(f)] = 1
        return ExactMatrix(field, num, 1)
    pivot_block = np.ascontiguousarray(block[:, :, list(cols)])
    free_block = np.ascontiguousarray(block[:, :, free])
    budget = _coefficient_bits_bound(block) // 60 + 4
    primes = iter_split_primes(n_cond)
    workers = _worker_count(d * r * r * r * budget)
    crt: Optional[np.ndarray] = None
    modulus, used = 1, 0
    with _ResidueComputer(pivot_block, free_block, n_cond, workers) as computer:
        for target in _checkpoints(budget):
            batch = []
            while used + len(batch) < target:
                batch.append(next(primes))
            good = [(p, res) for p, res in zip(batch, computer.map(batch)) if res is not None]
            if not good:
                continue  # every prime divided the norm of the minor under some embedding
            # Combine the batch among small moduli first, then one large step.
            head_res, head_mod = _combine([res for _, res in good[:-1]], [p for p, _ in good[:-1]])
            if head_res is not None:
                crt, modulus = _crt_step(crt, modulus, head_res, head_mod)
            previous_crt, previous_modulus = crt, modulus
            crt, modulus = _crt_step(crt, modulus, good[-1][1], good[-1][0])
            used = target
            if progress:
                progress(used)
            if previous_crt is None or previous_modulus == modulus:
                continue
            # Stable under the last prime: a candidate worth the exact check.
            symmetric = np.where(crt > modulus // 2, crt - modulus, crt)
            before = np.where(previous_crt > previous_modulus // 2, previous_crt - previous_modulus, previous_crt)
            if np.array_equal(symmetric, before):
                num = np.zeros((d, ncols, f), dtype=object)
                num[:, list(cols), :] = symmetric[:, :r, :]
                num[:, free, :] = symmetric[:, r:, :]
                candidate = ExactMatrix(field, compact_int_array(_remove_column_content(num)), 1, normalized=True)
                if _vanishes_mod_fresh_prime(matrix, candidate) and (matrix @ candidate).is_zero():
                    return candidate
    return None


def _remove_column_content(num: np.ndarray) -> np.ndarray:
    """Divide each kernel vector by the gcd of its coefficients (smaller certificates)."""
    out = num.copy()
    for j in range(num.shape[2]):
        g = 0
        for x in num[:, :, j].flat:
            g = math.gcd(g, int(x))
            if g == 1:
                break
        if g > 1:
            out[:, :, j] = num[:, :, j] // g
    return out


def _checkpoints(budget: int):
    """Prime counts after which the reconstruction is tested: doubling, then steady steps."""
    count = 2
    while count < budget // 2:
        yield count
        count *= 2
    step = max(2, budget // 16)
    while count <= 3 * budget:
        yield count
        count += step


def _combine(residue_list, primes):
    """Chinese remaindering of several residue arrays (small moduli)."""
    crt, modulus = None, 1
    for res, p in zip(residue_list, primes):
        crt, modulus = _crt_step(crt, modulus, res, p)
    return crt, modulus


def _crt_step(crt, modulus, residues, p):
    if crt is None:
        return residues.astype(object), p
    inv = pow(modulus % p, -1, p)
    delta = ((residues.astype(object) - crt % p) * inv) % p
    return crt + modulus * delta, modulus * p


def _vanishes_mod_fresh_prime(matrix: ExactMatrix, candidate: ExactMatrix) -> bool:
    """Cheap filter before the exact product: M @ W == 0 modulo a prime not used above."""
    n_cond = matrix.field.conductor
    p = next(iter_split_primes(n_cond, bits=40))
    red = Reduction(n_cond, p, root_of_order(n_cond, p))
    if matrix.den % p == 0:
        return True
    product = matrix.reduce(red) * candidate.reduce(red)
    return all(int(x) == 0 for x in product.entries())


def _worker_count(work: int) -> int:
    """Two processes pay off only for large kernels (process start costs ~0.1 s)."""
    cpus = os.cpu_count() or 1
    return min(cpus, 4) if work > 2 * 10**9 and cpus > 1 else 1


_WORKER_STATE: dict = {}


def _init_worker(pivot_block, free_block, n_cond):
    d = pivot_block.shape[0]
    _WORKER_STATE["args"] = (
        [to_fmpz_mat(pivot_block[k]) for k in range(d)],
        [to_fmpz_mat(free_block[k]) for k in range(d)],
        n_cond,
        d,
        pivot_block.shape[1],
        free_block.shape[2],
    )


def _worker_residues(p):
    pivot_part, free_part, n_cond, d, r, f = _WORKER_STATE["args"]
    return _kernel_mod_p(pivot_part, free_part, p, n_cond, d, r, f)


class _ResidueComputer:
    """Kernel residues for a batch of primes, in this process or in a small fork pool."""

    def __init__(self, pivot_block, free_block, n_cond, workers):
        self.workers = workers
        self.pool = None
        if workers > 1:
            import multiprocessing

            try:
                ctx = multiprocessing.get_context("fork")
                self.pool = ctx.Pool(workers, _init_worker, (pivot_block, free_block, n_cond))
            except (ValueError, OSError):
                self.pool = None
        if self.pool is None:
            _init_worker(pivot_block, free_block, n_cond)

    def map(self, primes):
        if self.pool is not None:
            return self.pool.map(_worker_residues, primes)
        return [_worker_residues(p) for p in primes]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
        _WORKER_STATE.clear()
        return False


def _kernel_mod_p(pivot_part, free_part, p, n_cond, d, r, f) -> Optional[np.ndarray]:
    """Coefficients mod p of the integral kernel block [-det * B^-1 F ; det * I]."""
    roots = primitive_roots(n_cond, p)
    red_pivot = [flint.nmod_mat(a, p) for a in pivot_part]
    red_free = [flint.nmod_mat(a, p) for a in free_part]
    values = []
    for rho in roots:
        powers = [pow(rho, k, p) for k in range(d)]
        B = red_pivot[0] * flint.nmod(powers[0], p)
        F = red_free[0] * flint.nmod(powers[0], p)
        for k in range(1, d):
            B = B + red_pivot[k] * flint.nmod(powers[k], p)
            F = F + red_free[k] * flint.nmod(powers[k], p)
        det = B.det()
        if int(det) == 0:
            return None  # this prime divides the norm of the minor: skip it
        X = B.solve(F) * (-det)
        top = np.array([int(x) for x in X.entries()], dtype=np.int64).reshape(r, f)
        bottom = np.eye(f, dtype=np.int64) * int(det)
        values.append(np.vstack([top, bottom]).ravel())
    if d == 1:
        return values[0].reshape(1, r + f, f)
    vander = flint.nmod_mat(d, d, [pow(rho, k, p) for rho in roots for k in range(d)], p)
    vals = flint.nmod_mat(d, (r + f) * f, [int(x) for v in values for x in v.tolist()], p)
    coeffs = vander.inv() * vals
    return np.array([int(x) for x in coeffs.entries()], dtype=np.int64).reshape(d, r + f, f)


def certified_rank(
    matrix: ExactMatrix,
    *,
    upper_bound: bool = True,
    max_rank_primes: int = 3,
    progress: Optional[Callable[[int], None]] = None,
) -> RankResult:
    """Rank of ``matrix`` with a lower-bound certificate and, when possible, an upper bound.

    Parameters
    ----------
    matrix : ExactMatrix
        Over Q or Q(zeta_n).
    upper_bound : bool
        Compute a verified kernel when the rank is below min(m, n).  Without it a
        deficient rank is reported as a lower bound only.
    max_rank_primes : int
        How many primes to try when a kernel candidate fails (an unlucky prime).

    Examples
    --------
    >>> from exactid.domains import ExactMatrix, QQ
    >>> res = certified_rank(ExactMatrix.from_rows([[1, 2], [2, 4]], QQ))
    >>> str(res), res.certified
    ('rank = 1', 'exact')
    """
    m, n = matrix.shape
    d = matrix.field.degree
    ensure_fits(8 * m * n * (d + 4), f"a rank computation on a {m}x{n} matrix")
    n_cond = matrix.field.conductor
    best: Optional[RankResult] = None
    primes = iter_modular_primes(n_cond) if m * n >= FLOAT_ELIMINATION_ENTRIES else iter_split_primes(n_cond)
    for index, p in enumerate(primes):
        if index >= max_rank_primes:
            break
        if matrix.den % p == 0:
            continue
        reduction = Reduction(n_cond, p, root_of_order(n_cond, p))
        minor = nonzero_minor(matrix, reduction)
        r = len(minor.rows)
        if best is not None and r <= best.rank:
            continue
        if r == min(m, n):
            return RankResult(r, "exact", minor, None, index + 1)
        best = RankResult(r, "lower_bound", minor, None, index + 1)
        if not upper_bound:
            return best
        kernel = integral_kernel(matrix, minor.rows, minor.cols, progress)
        if kernel is not None:
            best.kernel = kernel
            best.certified = "exact"
            return best
        best.notes.append(f"kernel candidate mod primes after {p} did not verify")
    if best is None:  # pragma: no cover - every prime divided the denominator
        raise CertificationError("no usable prime for this matrix")
    return best


def nullspace(matrix: ExactMatrix) -> ExactMatrix:
    """A verified basis of the right kernel, one column per vector.

    Raises :class:`CertificationError` if the basis cannot be verified.

    >>> from exactid.domains import ExactMatrix, QQ
    >>> A = ExactMatrix.from_rows([[1, 1, 1]], QQ)
    >>> K = nullspace(A)
    >>> K.shape, (A @ K).is_zero()
    ((3, 2), True)
    """
    result = certified_rank(matrix)
    if result.kernel is not None:
        return result.kernel
    if result.certified == "exact":
        kernel = integral_kernel(matrix, result.minor.rows, result.minor.cols)
        if kernel is not None:
            return kernel
    raise CertificationError("could not certify a kernel basis")
