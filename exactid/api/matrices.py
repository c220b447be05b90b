"""``exactid.rank``, ``exactid.two_layer``, ``exactid.butterfly`` and ``exactid.kronecker``."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from ..domains.arrays import FieldLike, exact_matrix
from ..errors import InputError
from ..results import ButterflyResult, KroneckerResult, RankResult, TwoLayerResult, Verdict
from ..supports import SparsityFamily, family_of_factors, support_of, tight_family

FamilyLike = Union[SparsityFamily, Mapping[str, Any], Sequence[int], None]


def rank(A: Any, field: FieldLike = None) -> RankResult:
    """Certified exact rank of a matrix over Q or Q(zeta_n).

    Parameters
    ----------
    A : array-like or ExactMatrix
        Integers exactly; floats converted exactly (with an
        :class:`~exactid.ExactConversionWarning`); ``"p/q"`` strings, fractions; over
        Q(zeta_n) an ``(m, n, phi(n))`` array of power-basis coefficients.
    field : None, "QQ", "QQ(zeta_n)" or the conductor n

    Returns
    -------
    RankResult
        ``verdict`` is ``exact`` (rank proved: a nonzero minor mod p and verified kernel
        vectors) or ``lower_bound`` (only ``rank >= r`` is proved); ``rank``, ``shape``, ``field``.

    Examples
    --------
    >>> import numpy as np, exactid
    >>> r = exactid.rank(np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]]))
    >>> r.verdict, r.rank
    (<Verdict.EXACT: 'exact'>, 2)
    >>> r.certificate["claim"]["rank"]
    2
    >>> exactid.rank(np.array([[[1, 0], [0, 1]], [[0, 1], [-1, 0]]]), field=4).rank   # [[1, i], [i, -1]]
    1
    """
    from ..certify.rank import rank_certificate

    matrix = exact_matrix(A, field)
    cert, result = rank_certificate(matrix)
    verdict = Verdict.EXACT if result.certified == "exact" else Verdict.LOWER_BOUND
    relation = "=" if verdict == Verdict.EXACT else ">="
    reason = f"rank {relation} {result.rank} over {matrix.field.name}"
    return RankResult(verdict, reason, cert, result, rank=result.rank, shape=tuple(matrix.shape),
                      field=matrix.field.name)


def _family(spec: FamilyLike, m: int, n: int) -> SparsityFamily:
    """A sparsity family from a :class:`SparsityFamily`, a mapping or ``(k, k2[, r])``."""
    if isinstance(spec, SparsityFamily):
        if (spec.m, spec.n) != (m, n):
            raise InputError(f"the family is for {spec.m}x{spec.n} products, Z is {m}x{n}")
        return spec
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"x_col_sparsity", "y_row_sparsity", "r"}
        if unknown or "x_col_sparsity" not in spec or "y_row_sparsity" not in spec:
            raise InputError("family needs the keys x_col_sparsity and y_row_sparsity (and optionally r)")
        return tight_family(m, n, spec["x_col_sparsity"], spec["y_row_sparsity"], spec.get("r"))
    if isinstance(spec, (tuple, list)) and len(spec) in (2, 3):
        return tight_family(m, n, *spec)
    raise InputError("family must be a SparsityFamily, a dict with x_col_sparsity, y_row_sparsity (and r), "
                     "or a tuple (x_col_sparsity, y_row_sparsity[, r])")


def two_layer(Z: Any = None, *, family: FamilyLike = None, X: Any = None, Y: Any = None, n: Optional[int] = None,
              fixed_support: bool = False, count: bool = False, max_candidates: int = 200_000,
              field: FieldLike = None, supports: Optional[tuple] = None) -> TwoLayerResult:
    """Identifiability of a two-layer sparse factorization ``Z = X Y``.

    Three forms:

    - ``two_layer(Z, family=...)``: is the factorization of ``Z`` in the sparsity family
      unique up to scalings and permutations?  ``Z`` is a matrix, or a name (``dft``,
      ``dct2``, ``dst2``, ``dct4``, ``hadamard``) with its size ``n``.  ``family`` is a
      :class:`~exactid.supports.SparsityFamily`, a dict
      ``{"x_col_sparsity": K, "y_row_sparsity": K2, "r": R}`` or a tuple ``(K, K2[, R])``;
      ``r`` defaults to the tight count ``m n / (K K2)``.
    - ``two_layer(X=..., Y=...)``: the same for ``Z = X Y`` in the smallest family holding
      the supports of X and Y (``family`` may override K, K2 or r).
    - ``two_layer(X=..., Y=..., fixed_support=True)``: is ``(X, Y)`` determined by ``Z``
      among the pairs with the supports of X and Y?
    - ``two_layer(Z, supports=(S_X, S_Y))``: does a pair with supports inside S_X, S_Y
      (boolean arrays, or matrices standing for their nonzero patterns) factor ``Z``, and is
      it unique?  The factors are recovered by iterative completion (``factors``).

    Returns
    -------
    TwoLayerResult
        ``identifiable``, ``not_identifiable``, ``no_factorization`` (nothing in the family
        has this product) or ``undecided``; ``candidates`` (candidate blocks) and ``covers``
        (with ``count=True``) for families.

    Examples
    --------
    >>> import numpy as np, exactid
    >>> exactid.two_layer("dct2", n=8, family=(4, 2)).verdict
    <Verdict.IDENTIFIABLE: 'identifiable'>
    >>> res = exactid.two_layer("hadamard", n=4, family=(2, 2), count=True)
    >>> res.verdict, res.covers
    (<Verdict.NOT_IDENTIFIABLE: 'not_identifiable'>, 3)
    >>> X = np.array([[1, 2], [3, 4]]); Y = np.array([[1, 1], [1, -1]])
    >>> exactid.two_layer(X=X, Y=Y, fixed_support=True).verdict
    <Verdict.NOT_IDENTIFIABLE: 'not_identifiable'>
    >>> res = exactid.two_layer([[2, 3], [4, 11]], supports=([[1, 0], [1, 1]], [[1, 1], [0, 1]]))
    >>> res.verdict, res.factors[0].tolist() == [[1, 0], [2, 1]]
    (<Verdict.IDENTIFIABLE: 'identifiable'>, True)
    """
    from ..certify.twolayer import family_certificate, fixed_certificate
    from ..factorization.rootsums import RootSumMatrix, named_root_sums
    from ..factorization.twolayer import decide_family

    if supports is not None:
        return _two_layer_given_supports(Z, supports, field, family, X, Y, fixed_support)
    if (Z is None) == (X is None and Y is None):
        raise InputError("give either Z (a matrix or a name) or X and Y")
    if Z is None and (X is None or Y is None):
        raise InputError("X needs Y (and the reverse)")
    if max_candidates < 1:
        raise InputError("max_candidates must be positive")
    data = None
    if isinstance(Z, str):
        if n is None:
            raise InputError(f"the named matrix {Z!r} needs its size n")
        if fixed_support:
            raise InputError("fixed_support applies to given factors X and Y")
        if family is None:
            raise InputError("a named matrix needs a family, e.g. family=(n // 2, 2)")
        Zr = named_root_sums(Z, n)
        fam = _family(family, n, n)
    elif Z is not None:
        if fixed_support:
            raise InputError("fixed_support applies to given factors X and Y")
        if family is None:
            raise InputError("a product Z needs a family, e.g. family=(K, K2)")
        data = exact_matrix(Z, field, "product Z")
        Zr = RootSumMatrix.from_exact(data)
        fam = _family(family, *data.shape)
    else:
        Xm, Ym = exact_matrix(X, field, "factor X"), exact_matrix(Y, field, "factor Y")
        if Xm.ncols != Ym.nrows:
            raise InputError(f"X is {Xm.nrows}x{Xm.ncols} and Y is {Ym.nrows}x{Ym.ncols}: inner dimensions differ")
        if Xm.field != Ym.field:
            raise InputError(f"X is over {Xm.field.name} and Y over {Ym.field.name}")
        if fixed_support:
            if family is not None:
                raise InputError("fixed_support decides for the supports of X and Y: no family")
            cert, result = fixed_certificate(Xm, Ym)
            return TwoLayerResult(result.verdict, result.reason, cert, result, kind="fixed",
                                  shape=(Xm.nrows, Xm.ncols, Ym.ncols), r=Xm.ncols, factors=(Xm, Ym),
                                  supports=(support_of(Xm), support_of(Ym)))
        data = Xm @ Ym
        Zr = RootSumMatrix.from_exact(data)
        overrides = _overrides(family)
        fam = family_of_factors(support_of(Xm), support_of(Ym), **overrides)
    result = decide_family(Zr, fam, count=count, max_candidates=max_candidates)
    cert, result = family_certificate(Zr, fam, result, data=data)
    return TwoLayerResult(result.verdict, result.reason, cert, result, kind="family", shape=tuple(Zr.shape),
                          x_col_sparsity=fam.x_col_sparsity, y_row_sparsity=fam.y_row_sparsity, r=fam.r,
                          candidates=len(result.candidates), covers=result.count,
                          factors=(Xm, Ym) if Z is None else ())


def _two_layer_given_supports(Z, supports, field, family, X, Y, fixed_support) -> TwoLayerResult:
    from ..certify.twolayer import given_supports_certificate

    if Z is None or X is not None or Y is not None or family is not None or fixed_support:
        raise InputError("supports=(S_X, S_Y) goes with a product Z alone (no X, Y, family or fixed_support)")
    if not (isinstance(supports, (tuple, list)) and len(supports) == 2):
        raise InputError("supports must be a pair (S_X, S_Y)")
    data = exact_matrix(Z, field, "product Z")
    # a boolean array or any matrix stands for its nonzero pattern
    SX, SY = (support_of(exact_matrix(np.asarray(S).astype(np.int64) if np.asarray(S).dtype == bool else S, None, what))
              for S, what in zip(supports, ("support S_X", "support S_Y")))
    if SX.shape[0] != data.nrows or SY.shape[1] != data.ncols or SX.shape[1] != SY.shape[0]:
        raise InputError(f"supports {SX.shape[0]}x{SX.shape[1]} and {SY.shape[0]}x{SY.shape[1]} do not fit "
                         f"the {data.nrows}x{data.ncols} matrix Z")
    cert, result = given_supports_certificate(data, SX, SY)
    factors = (result.X, result.Y) if result.X is not None else ()
    return TwoLayerResult(result.verdict, result.reason, cert, result, kind="supports",
                          shape=(data.nrows, SX.shape[1], data.ncols), r=SX.shape[1], factors=factors,
                          supports=(SX, SY))


def _overrides(family: FamilyLike) -> dict:
    if family is None:
        return {}
    if isinstance(family, Mapping):
        unknown = set(family) - {"x_col_sparsity", "y_row_sparsity", "r"}
        if unknown:
            raise InputError(f"unknown family keys {sorted(unknown)}")
        return dict(family)
    if isinstance(family, SparsityFamily):
        return {"x_col_sparsity": family.x_col_sparsity, "y_row_sparsity": family.y_row_sparsity, "r": family.r}
    if isinstance(family, (tuple, list)) and len(family) in (2, 3):
        return dict(zip(("x_col_sparsity", "y_row_sparsity", "r"), family))
    raise InputError("family must be a SparsityFamily, a dict or a tuple (x_col_sparsity, y_row_sparsity[, r])")


def butterfly(M: Any, n: Optional[int] = None, perm: Any = None, tree: Any = None, seed: int = 0) -> ButterflyResult:
    """Exact butterfly factorization and the certificate of its uniqueness up to diagonal scalings.

    Parameters
    ----------
    M : array-like, ExactMatrix, or "dft" | "hadamard" | "random"
        An explicit square matrix of size ``2^L`` (rational entries for certificates), or a
        named matrix with its size ``n`` (the DFT with bit reversal, the Sylvester Hadamard
        matrix, or a product of random rational butterfly factors drawn with ``seed``).
    perm : None, "bitrev", "identity" or a sequence
        Column permutation of an explicit matrix (``M = X_1 ... X_L P``); named matrices fix their own.
    tree : None, "balanced", "left", "right" or a nested list such as ``[[1, 2], [3, 4]]``

    Returns
    -------
    ButterflyResult
        ``identifiable`` (unique up to diagonal scalings; ``factors`` in compact layout),
        ``no_factorization`` (a block of the root split has rank >= 2) or ``undecided``
        (a rank-one block vanished, or entries outside Q).

    Examples
    --------
    >>> import numpy as np, exactid
    >>> res = exactid.butterfly("dft", n=16)
    >>> res.verdict, res.encoding, res.conductor, len(res.factors)
    (<Verdict.IDENTIFIABLE: 'identifiable'>, 'roots_of_unity', 16, 4)
    >>> exactid.butterfly(np.array([[1, 2, 0, 0], [0, 1, 2, 0], [1, 0, 1, 0], [0, 0, 0, 1]])).verdict
    <Verdict.NO_FACTORIZATION: 'no_factorization'>
    """
    from ..certify.butterfly import certify_matrix, certify_named, verdict_of

    tree = "balanced" if tree is None else tree
    if isinstance(M, str):
        if n is None:
            raise InputError(f"the named matrix {M!r} needs its size n")
        if perm is not None:
            raise InputError("perm applies to explicit matrices (dft uses bitrev, hadamard and random the identity)")
        cert, result = certify_named(M, n, tree, seed)
    else:
        matrix = exact_matrix(M, None, "matrix")
        if n is not None and n != matrix.nrows:
            raise InputError(f"n = {n} but the matrix is {matrix.nrows}x{matrix.ncols}")
        cert, result = certify_matrix(matrix, perm, tree)
    verdict = Verdict(verdict_of(result))
    if verdict == Verdict.IDENTIFIABLE:
        reason = "the butterfly factorization is unique up to diagonal scalings"
    elif verdict == Verdict.NO_FACTORIZATION:
        w = result.witness
        reason = (f"block {w.block} of the split at level {w.level} has a nonzero 2x2 minor "
                  f"(rows {list(w.rows)}, cols {list(w.cols)})")
    else:
        reason = result.reason
    return ButterflyResult(verdict, reason, cert, result, n=result.N, tree=result.tree.to_json(),
                           encoding=result.encoding,
                           conductor=result.conductor if result.encoding == "roots_of_unity" else None,
                           factors=list(result.factors) if verdict == Verdict.IDENTIFIABLE else [])


def kronecker(M: Any, arch: Any, tree: Any = None, seed: int = 0) -> KroneckerResult:
    """Exact factorization into a Kronecker-sparse architecture, certified.

    Parameters
    ----------
    M : array-like, ExactMatrix, or "dft" | "random"
        An explicit rational matrix of the architecture's shape, or a named matrix: ``dft``
        (the DFT with the digit reversal of a mixed-radix butterfly's radices) or ``random``
        (a product of random rational factors with full support, drawn with ``seed``).
    arch : Architecture or str
        ``butterfly:N``, ``radix:K^L``, ``radix:r1,r2,...``, ``monarch:PxQ`` or explicit
        patterns ``a,b,c,d;a,b,c,d;...`` (see :func:`exactid.parse_architecture`).
    tree : None, "balanced", "left", "right" or a nested list such as ``[[1, 2], 3]``
        The tree of splits (default balanced).
    seed : int
        Seed of ``M = "random"``; unused for the other matrices.

    Returns
    -------
    KroneckerResult
        ``identifiable`` (unique up to the classes' ambiguity, given in ``ambiguity``;
        ``factors`` in compact layout), ``no_factorization`` (an entry outside the product
        pattern, or a class block of too high rank), ``not_identifiable`` (a second
        factorization with other zeros) -- each certified -- or ``undecided``.

    Examples
    --------
    >>> import numpy as np, exactid
    >>> res = exactid.kronecker("dft", "radix:2,3")
    >>> res.verdict, res.architecture, res.shape, [f.shape for f in res.factors]
    (<Verdict.IDENTIFIABLE: 'identifiable'>, 'radix:2,3', (6, 6), [(1, 2, 2, 3), (2, 3, 3, 1)])
    >>> exactid.check(res.certificate).verdict
    <Verdict.VALID: 'valid'>
    >>> M = np.array([[1, 2, 0, 0], [0, 1, 2, 0], [1, 0, 1, 0], [0, 0, 0, 1]])
    >>> exactid.kronecker(M, "butterfly:4").verdict
    <Verdict.NO_FACTORIZATION: 'no_factorization'>
    """
    from ..certify.kronecker import certify_matrix, certify_named, verdict_of
    from ..factorization.kronecker import Architecture, parse_architecture

    if isinstance(arch, str):
        arch = parse_architecture(arch)
    elif not isinstance(arch, Architecture):
        raise InputError(f"arch must be an Architecture or its text (such as 'monarch:8x8'), got {type(arch).__name__}")
    tree = "balanced" if tree is None else tree
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(M, str):
        cert, result = certify_named(M, arch, tree, int(seed))
    else:
        cert, result = certify_matrix(exact_matrix(M, None, "matrix"), arch, tree)
    verdict = Verdict(verdict_of(result, cert))
    ambiguity = result.ambiguity() if verdict == Verdict.IDENTIFIABLE else None
    if verdict == Verdict.IDENTIFIABLE:
        reason = f"the factorization is unique up to {ambiguity}"
    elif verdict == Verdict.NO_FACTORIZATION:
        w = result.witness
        reason = f"{result.reason} (rows {w.rows}, cols {w.cols})"
    elif verdict == Verdict.NOT_IDENTIFIABLE:
        reason = f"{result.reason}; the certificate holds the second factorization"
    else:
        reason = result.reason
    return KroneckerResult(verdict, reason, cert, result, architecture=arch.name, shape=tuple(arch.shape),
                           tree=result.tree.to_json(), ambiguity=ambiguity, encoding=result.encoding,
                           conductor=result.conductor if result.encoding == "exponents" else None,
                           factors=list(result.factors) if verdict == Verdict.IDENTIFIABLE else [])
