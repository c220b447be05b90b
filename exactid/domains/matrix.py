"""Dense matrices over Q and Q(zeta_n): integer coefficient arrays over one denominator.

An m x n matrix over a field of degree d is stored as ``num`` (a numpy array of shape
(d, m, n), ``int64`` when every value fits, Python ints otherwise) and a positive integer
``den``: M = (1/den) * sum_j num[j] * zeta^j.  The representation is kept normalized
(gcd of all numerators and ``den`` is 1), so equality is a comparison of arrays.  Products
go through python-flint's ``fmpz_mat``; reductions modulo a prime through ``nmod_mat``.
"""

from __future__ import annotations

from functools import reduce as _fold
from math import gcd
from typing import Any, Iterable, Sequence

import flint
import numpy as np

from ..errors import DomainError, InputError, ShapeError
from .base import Field
from .cyclotomic import CyclotomicField
from .finite import Reduction
from .rationals import QQ

_INT64_SAFE = 1 << 62


def compact_int_array(arr: np.ndarray) -> np.ndarray:
    """Return ``arr`` as int64 when every entry fits comfortably, else as Python ints."""
    if arr.dtype != object:
        return arr.astype(np.int64, copy=False)
    if arr.size == 0:
        return arr.astype(np.int64)
    if max(int(abs(x)) for x in arr.flat) < _INT64_SAFE:
        return arr.astype(np.int64)
    return arr


def to_fmpz_mat(arr2d: np.ndarray) -> flint.fmpz_mat:
    m, n = arr2d.shape
    return flint.fmpz_mat(m, n, [int(x) for x in arr2d.ravel().tolist()])


def from_fmpz_mat(mat: flint.fmpz_mat) -> np.ndarray:
    values = np.array([int(x) for x in mat.entries()], dtype=object)
    return compact_int_array(values.reshape(mat.nrows(), mat.ncols()))


def power_table(field: Field) -> list[list[int]]:
    """Rows t = 0..2d-2: coefficients of zeta^t reduced in the power basis (integers)."""
    d = field.degree
    modulus = flint.fmpz_poly(flint.fmpz_poly.cyclotomic(field.conductor).coeffs())
    rows = []
    for t in range(2 * d - 1):
        c = [int(x) for x in (flint.fmpz_poly([0] * t + [1]) % modulus).coeffs()]
        rows.append(c + [0] * (d - len(c)))
    return rows


def field_from_name(name: str) -> Field:
    """``"QQ"`` or ``"QQ(zeta_n)"`` to the field."""
    if name == "QQ":
        return QQ
    if name.startswith("QQ(zeta_") and name.endswith(")"):
        digits = name[len("QQ(zeta_") : -1]
        if digits.isdigit():
            return CyclotomicField(int(digits))
    raise InputError(f"unknown field {name!r} (expected 'QQ' or 'QQ(zeta_n)')")


class ExactMatrix:
    """A dense matrix over Q or Q(zeta_n).

    >>> from exactid.domains import CyclotomicField, ExactMatrix
    >>> K = CyclotomicField(4)          # Gaussian rationals, zeta = i
    >>> A = ExactMatrix.from_rows([[1, K.zeta()], [0, "1/2"]], K)
    >>> (A @ A)[0, 1] == K.zeta() * (1 + K.convert("1/2"))
    True
    >>> A.shape
    (2, 2)
    """

    __slots__ = ("field", "num", "den", "_fmpz")

    def __init__(self, field: Field, num: np.ndarray, den: int = 1, *, normalized: bool = False):
        if num.ndim != 3 or num.shape[0] != field.degree:
            raise ShapeError(
                f"coefficient array must have shape (degree={field.degree}, m, n), got {num.shape}"
            )
        if den <= 0:
            raise InputError("the common denominator must be positive")
        self.field = field
        self.num = num if normalized else compact_int_array(num)
        self.den = int(den)
        self._fmpz = None
        if not normalized:
            self._normalize()

    # -- construction ------------------------------------------------------------------
    def _normalize(self) -> None:
        if self.den == 1:
            return
        g = self.den
        for x in self.num.flat:
            g = gcd(g, int(x))
            if g == 1:
                return
        if self.num.dtype != object and g >= _INT64_SAFE:  # g divides every entry: they are all 0
            self.num = self.num.astype(object)
        self.num = compact_int_array(self.num // g) if self.num.dtype == object else self.num // g
        self.den //= g

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]], field: Field = QQ) -> "ExactMatrix":
        """Matrix from nested rows of scalars convertible to ``field``."""
        if not isinstance(rows, (list, tuple)) or any(not isinstance(r, (list, tuple)) for r in rows):
            raise InputError("a matrix must be a list of rows")
        m = len(rows)
        n = len(rows[0]) if m else 0
        for i, r in enumerate(rows):
            if len(r) != n:
                raise ShapeError(f"ragged rows: row 0 has {n} entries, row {i} has {len(r)}")
        coeffs = [[field.coefficients(field.convert(x)) for x in r] for r in rows]
        den = 1
        for r in coeffs:
            for cs in r:
                for c in cs:
                    q = int(c.q)
                    if q != 1:
                        den = den * q // gcd(den, q)
        d = field.degree
        num = np.empty((d, m, n), dtype=object)
        for i, r in enumerate(coeffs):
            for j, cs in enumerate(r):
                for k in range(d):
                    c = cs[k]
                    num[k, i, j] = int(c.p) * (den // int(c.q))
        return cls(field, num, den)

    @classmethod
    def from_integers(cls, array: Any, field: Field = QQ, den: int = 1) -> "ExactMatrix":
        """From integer coefficients: shape (m, n) for Q, or (m, n, degree) for Q(zeta_n)."""
        arr = np.asarray(array)
        if arr.dtype.kind not in "iuO":
            raise InputError(f"integer array expected, got dtype {arr.dtype}")
        if arr.ndim == 2 and field.degree == 1:
            arr = arr[None, :, :]
        elif arr.ndim == 3 and arr.shape[2] == field.degree:
            arr = np.moveaxis(arr, 2, 0)
        else:
            raise ShapeError(f"expected shape (m, n) or (m, n, {field.degree}), got {arr.shape}")
        return cls(field, np.ascontiguousarray(arr), den)

    @classmethod
    def zeros(cls, m: int, n: int, field: Field = QQ) -> "ExactMatrix":
        return cls(field, np.zeros((field.degree, m, n), dtype=np.int64), 1, normalized=True)

    @classmethod
    def identity(cls, n: int, field: Field = QQ) -> "ExactMatrix":
        num = np.zeros((field.degree, n, n), dtype=np.int64)
        num[0] = np.eye(n, dtype=np.int64)
        return cls(field, num, 1, normalized=True)

    # -- basic views --------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.num.shape[1]), int(self.num.shape[2]))

    @property
    def nrows(self) -> int:
        return self.shape[0]

    @property
    def ncols(self) -> int:
        return self.shape[1]

    def entry(self, i: int, j: int) -> Any:
        coeffs = [flint.fmpq(int(self.num[k, i, j]), self.den) for k in range(self.field.degree)]
        return self.field.from_coefficients(coeffs)

    def __getitem__(self, key: Any) -> Any:
        if not (isinstance(key, tuple) and len(key) == 2):
            raise InputError("index a matrix with [rows, cols]")
        i, j = key
        if isinstance(i, (int, np.integer)) and isinstance(j, (int, np.integer)):
            m, n = self.shape
            if not (-m <= i < m and -n <= j < n):
                raise IndexError(f"index ({i}, {j}) out of range for shape {self.shape}")
            return self.entry(int(i) % m, int(j) % n)
        rows = [i] if isinstance(i, (int, np.integer)) else i
        cols = [j] if isinstance(j, (int, np.integer)) else j
        sub = self.num[:, rows, :][:, :, cols]
        return ExactMatrix(self.field, np.ascontiguousarray(sub), self.den)

    def tolist(self) -> list[list[Any]]:
        return [[self.entry(i, j) for j in range(self.ncols)] for i in range(self.nrows)]

    @property
    def T(self) -> "ExactMatrix":
        return self.transpose()

    def transpose(self) -> "ExactMatrix":
        return ExactMatrix(self.field, np.ascontiguousarray(self.num.transpose(0, 2, 1)), self.den, normalized=True)

    def is_zero(self) -> bool:
        return not self.num.any()

    # -- arithmetic ---------------------------------------------------------------------
    def _check_same_field(self, other: "ExactMatrix") -> None:
        if other.field != self.field:
            raise DomainError(f"matrices over {self.field} and {other.field} do not combine")

    def _aligned(self, other: "ExactMatrix"):
        self._check_same_field(other)
        if other.shape != self.shape:
            raise ShapeError(f"shapes {self.shape} and {other.shape} differ")
        den = self.den * other.den // gcd(self.den, other.den)
        a = self.num * (den // self.den) if den != self.den else self.num
        b = other.num * (den // other.den) if den != other.den else other.num
        return _widen(a), _widen(b), den

    def __add__(self, other: "ExactMatrix") -> "ExactMatrix":
        a, b, den = self._aligned(other)
        return ExactMatrix(self.field, a + b, den)

    def __sub__(self, other: "ExactMatrix") -> "ExactMatrix":
        a, b, den = self._aligned(other)
        return ExactMatrix(self.field, a - b, den)

    def __neg__(self) -> "ExactMatrix":
        return ExactMatrix(self.field, -_widen(self.num), self.den, normalized=True)

    def scale(self, scalar: Any) -> "ExactMatrix":
        """Product of every entry with a field element."""
        coeffs = self.field.coefficients(self.field.convert(scalar))
        sden = _fold(lambda a, c: a * int(c.q) // gcd(a, int(c.q)), coeffs, 1)
        s_num = [int(c.p) * (sden // int(c.q)) for c in coeffs]
        table = power_table(self.field)
        d = self.field.degree
        out = np.zeros(self.num.shape, dtype=object)
        src = self.num.astype(object)
        for a, sa in enumerate(s_num):
            if sa == 0:
                continue
            for b in range(d):
                for k, tk in enumerate(table[a + b]):
                    if tk:
                        out[k] += (sa * tk) * src[b]
        return ExactMatrix(self.field, out, self.den * sden)

    def __mul__(self, scalar: Any) -> "ExactMatrix":
        if isinstance(scalar, ExactMatrix):
            raise InputError("use @ for matrix products")
        return self.scale(scalar)

    __rmul__ = __mul__

    def fmpz_coefficients(self) -> list[flint.fmpz_mat]:
        """The numerator coefficient matrices as ``fmpz_mat`` (cached)."""
        if self._fmpz is None:
            self._fmpz = [to_fmpz_mat(self.num[k]) for k in range(self.field.degree)]
        return self._fmpz

    def __matmul__(self, other: "ExactMatrix") -> "ExactMatrix":
        self._check_same_field(other)
        if self.ncols != other.nrows:
            raise ShapeError(f"cannot multiply {self.shape} by {other.shape}")
        d = self.field.degree
        A, B = self.fmpz_coefficients(), other.fmpz_coefficients()
        partial: dict[int, flint.fmpz_mat] = {}
        for a in range(d):
            for b in range(d):
                prod = A[a] * B[b]
                partial[a + b] = partial[a + b] + prod if a + b in partial else prod
        table = power_table(self.field)
        m, n = self.nrows, other.ncols
        out = []
        for k in range(d):
            acc = flint.fmpz_mat(m, n)
            for t, mat in partial.items():
                if table[t][k]:
                    acc = acc + mat * table[t][k]
            out.append(from_fmpz_mat(acc))
        num = np.stack(out).astype(object) if any(o.dtype == object for o in out) else np.stack(out)
        return ExactMatrix(self.field, num, self.den * other.den)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExactMatrix):
            return NotImplemented
        return (
            other.field == self.field
            and other.shape == self.shape
            and other.den == self.den
            and bool(np.array_equal(self.num, other.num))
        )

    __hash__ = None  # mutable-looking container

    def hstack(self, other: "ExactMatrix") -> "ExactMatrix":
        a, b, den = _aligned_any(self, other, axis=1)
        return ExactMatrix(self.field, np.concatenate([a, b], axis=2), den)

    def vstack(self, other: "ExactMatrix") -> "ExactMatrix":
        a, b, den = _aligned_any(self, other, axis=0)
        return ExactMatrix(self.field, np.concatenate([a, b], axis=1), den)

    # -- conversions --------------------------------------------------------------------
    def reduce(self, reduction: Reduction) -> flint.nmod_mat:
        """Image modulo p under ``reduction`` (zeta_n -> root), as an ``nmod_mat``."""
        p = reduction.p
        if self.den % p == 0:
            raise DomainError(f"denominator {self.den} is divisible by p = {p}")
        m, n = self.shape
        acc = flint.nmod_mat(m, n, p)
        for coeff, power in zip(self.fmpz_coefficients(), reduction.powers(self.field.degree)):
            acc = acc + flint.nmod_mat(coeff, p) * flint.nmod(power, p)
        if self.den != 1:
            acc = acc * (flint.nmod(1, p) / flint.nmod(self.den, p))
        return acc

    def to_numpy(self) -> np.ndarray:
        """Floating-point values (float64 over Q, complex128 over Q(zeta_n))."""
        d = self.field.degree
        vals = self.num.astype(np.float64) / float(self.den) if self.den < 1 << 1000 else (
            np.vectorize(lambda x: float(flint.fmpq(int(x), self.den)))(self.num).astype(np.float64)
        )
        if self.field is QQ:
            return vals[0].copy()
        n = self.field.conductor
        powers = np.exp(2j * np.pi * np.arange(d) / n)
        return np.tensordot(powers, vals, axes=(0, 0))

    def to_fmpq_mat(self) -> flint.fmpq_mat:
        """The matrix as ``fmpq_mat`` (degree-1 fields only)."""
        if self.field.degree != 1:
            raise DomainError(f"{self.field} is not Q")
        return flint.fmpq_mat(self.fmpz_coefficients()[0]) / self.den

    @classmethod
    def from_fmpq_mat(cls, mat: flint.fmpq_mat) -> "ExactMatrix":
        m, n = mat.nrows(), mat.ncols()
        return cls.from_rows([[mat[i, j] for j in range(n)] for i in range(m)], QQ)

    def to_sympy(self):
        """A SymPy ``DomainMatrix`` over ``QQ`` or ``QQ.cyclotomic_field(n)``."""
        from sympy import QQ as SQQ
        from sympy.polys.matrices import DomainMatrix

        if self.field is QQ:
            rows = [[SQQ(int(self.num[0, i, j]), self.den) for j in range(self.ncols)] for i in range(self.nrows)]
            return DomainMatrix(rows, self.shape, SQQ)
        K = self.field.sympy_field()
        rows = [[self.field.to_sympy(self.entry(i, j)) for j in range(self.ncols)] for i in range(self.nrows)]
        return DomainMatrix(rows, self.shape, K)

    @classmethod
    def from_sympy(cls, dm: Any, field: Field) -> "ExactMatrix":
        """Inverse of :meth:`to_sympy`."""
        rows = dm.to_list() if hasattr(dm, "to_list") else dm.tolist()
        if field is QQ:
            return cls.from_rows([[str(x) for x in r] for r in rows], QQ)
        return cls.from_rows([[field.from_sympy(x) for x in r] for r in rows], field)

    def __repr__(self) -> str:
        return f"ExactMatrix({self.nrows}x{self.ncols} over {self.field.name})"


def _widen(a: np.ndarray) -> np.ndarray:
    """Python-int view for arithmetic that must not overflow (results are re-compacted)."""
    return a if a.dtype == object else a.astype(object)


def _aligned_any(a: ExactMatrix, b: ExactMatrix, axis: int):
    a._check_same_field(b)
    if a.shape[1 - axis] != b.shape[1 - axis]:
        raise ShapeError(f"cannot stack {a.shape} and {b.shape}")
    den = a.den * b.den // gcd(a.den, b.den)
    x = _widen(a.num) * (den // a.den)
    y = _widen(b.num) * (den // b.den)
    if x.dtype != y.dtype:
        x, y = x.astype(object), y.astype(object)
    return x, y, den


def stack_columns(columns: Iterable[ExactMatrix]) -> ExactMatrix:
    cols = list(columns)
    out = cols[0]
    for c in cols[1:]:
        out = out.hstack(c)
    return out
