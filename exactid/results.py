"""Result objects of the Python API and the one :class:`Verdict` vocabulary of the package.

Every top-level function of :mod:`exactid` returns a :class:`Result`: its ``verdict``, the
``reason`` in words, the ``certificate`` (the JSON document the independent checker
accepts, or ``None`` when nothing is certified), the topic's numbers as attributes, and
``details``, the library object the numbers come from.  ``save(path)`` writes the
certificate atomically (``.json``, or gzip for ``.json.gz``).

Examples
--------
>>> r = RankResult(Verdict.EXACT, "rank 2", None, rank=2, shape=(3, 3), field="QQ")
>>> r
RankResult(verdict='exact', rank=2, shape=(3, 3), field='QQ', certificate=None)
>>> r.verdict == "exact", str(r.verdict)
(True, 'exact')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Optional

from .errors import InputError


class Verdict(StrEnum):
    """Outcome words shared by the generator, the checker, the command line and the API.

    A ``str`` enum: each member equals its string (``Verdict.IDENTIFIABLE == "identifiable"``)
    and serializes to it in JSON.

    - decisions on factorizations and networks: ``identifiable``, ``not_identifiable``,
      ``no_factorization`` (nothing in the constraint class has this product);
    - decisions on pairs of networks: ``equivalent``, ``not_equivalent``;
    - computed quantities (a rank, a symmetry group): ``exact``, or ``lower_bound`` when
      only a lower bound is certified;
    - certificate checks: ``valid``, ``invalid``, ``malformed``;
    - ``undecided``: exact methods did not settle the question (the reason says why); never a guess.

    >>> Verdict("not_identifiable") is Verdict.NOT_IDENTIFIABLE
    True
    >>> import json; json.dumps({"verdict": Verdict.EQUIVALENT})
    '{"verdict": "equivalent"}'
    """

    IDENTIFIABLE = "identifiable"
    NOT_IDENTIFIABLE = "not_identifiable"
    NO_FACTORIZATION = "no_factorization"
    EQUIVALENT = "equivalent"
    NOT_EQUIVALENT = "not_equivalent"
    EXACT = "exact"
    LOWER_BOUND = "lower_bound"
    VALID = "valid"
    INVALID = "invalid"
    MALFORMED = "malformed"
    UNDECIDED = "undecided"


@dataclass(repr=False)
class Result:
    """Common part of every result: verdict, reason, certificate, underlying details."""

    verdict: Verdict
    reason: str = ""
    certificate: Optional[dict] = None
    details: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        self.verdict = Verdict(self.verdict)

    #: fields holding the factorization itself rather than numbers, left out of ``numbers()``
    data_fields: ClassVar[tuple[str, ...]] = ()

    def numbers(self) -> dict:
        """The topic's numbers (every field but verdict, reason, certificate, details and data)."""
        skip = {"verdict", "reason", "certificate", "details", *self.data_fields}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}

    def to_dict(self) -> dict:
        """A JSON-ready summary: verdict, reason and the numbers (no certificate)."""
        out: dict = {"verdict": str(self.verdict), "reason": self.reason}
        out.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in self.numbers().items()})
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Write the certificate atomically (gzip when ``path`` ends in ``.gz``); return the path.

        Raises :class:`~exactid.errors.InputError` when there is no certificate.
        """
        if self.certificate is None:
            raise InputError(f"no certificate to save: the verdict is {self.verdict}"
                             + (f" ({self.reason})" if self.reason else ""))
        from .io.files import write_json

        write_json(path, self.certificate)
        return Path(path)

    def __repr__(self) -> str:
        parts = [f"verdict={str(self.verdict)!r}"]
        parts += [f"{k}={v!r}" for k, v in self.numbers().items() if v is not None and v != ()]
        if self.certificate is None:
            parts.append("certificate=None")
        else:
            parts.append(f"certificate=<{self.certificate.get('claim', {}).get('kind', '?')}>")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __str__(self) -> str:
        return f"{self.verdict}: {self.reason}" if self.reason else str(self.verdict)


@dataclass(repr=False)
class RankResult(Result):
    """Certified rank: ``exact``, or ``lower_bound`` (then ``rank`` is a certified lower bound)."""

    rank: int = 0
    shape: tuple = ()
    field: str = "QQ"


@dataclass(repr=False)
class TwoLayerResult(Result):
    """Two-layer sparse factorization ``Z = X Y``.

    ``kind`` is ``family`` (a sparsity family, ``x_col_sparsity``, ``y_row_sparsity``, ``r``),
    ``fixed`` (the supports of given factors) or ``supports`` (a given Z with given supports).
    ``candidates``: candidate rank-one blocks found; ``covers``: number of exact covers when
    counted; ``factors``: ``(X, Y)`` when given or recovered; ``supports``: the boolean
    supports ``(S_X, S_Y)`` of the fixed-support and given-support forms.
    """

    kind: str = "family"
    shape: tuple = ()
    x_col_sparsity: Optional[int] = None
    y_row_sparsity: Optional[int] = None
    r: Optional[int] = None
    candidates: Optional[int] = None
    covers: Optional[int] = None
    factors: tuple = ()
    supports: tuple = ()

    data_fields = ("factors", "supports")


@dataclass(repr=False)
class ButterflyResult(Result):
    """Butterfly factorization of an ``n x n`` matrix (``n = 2^L``) along ``tree``.

    ``factors``: the ``L`` factors in compact ``(n, 2)`` layout (field elements, or integer
    exponents of ``zeta_conductor`` for ``encoding == 'roots_of_unity'``); empty unless factorized.
    """

    n: int = 0
    tree: Any = None
    encoding: str = ""
    conductor: Optional[int] = None
    factors: list = field(default_factory=list)

    data_fields = ("factors",)


@dataclass(repr=False)
class KroneckerResult(Result):
    """Factorization into a Kronecker-sparse (chainable) architecture along ``tree``.

    ``architecture``: its name (``radix:2,3``, ``monarch:8x8``, ...); ``shape`` of the matrix;
    ``ambiguity``: the architecture's unavoidable ambiguity in words (``identifiable`` only);
    ``factors``: one compact ``(a, b, c, d)`` array per pattern (rationals, or integer exponents
    of ``zeta_conductor`` for ``encoding == 'exponents'``); empty unless identifiable.
    ``details`` (the library result) holds the witness of ``no_factorization`` and the second
    factorization of ``not_identifiable``.
    """

    architecture: str = ""
    shape: tuple = ()
    tree: Any = None
    ambiguity: Optional[str] = None
    encoding: str = ""
    conductor: Optional[int] = None
    factors: list = field(default_factory=list)

    data_fields = ("factors",)


@dataclass(repr=False)
class ReluLocalResult(Result):
    """Local identifiability of a ReLU network from samples (conditions C_S / C_N).

    ``rank``: rank of the Jacobian J (exact when ``rank_certified == 'exact'``, else a
    certified lower bound); ``d`` parameters, ``h`` hidden neurons, ``r_a = k rank K``.
    """

    rank: Optional[int] = None
    rank_certified: str = "lower_bound"
    d: int = 0
    h: int = 0
    d_minus_h: int = 0
    r_a: Optional[int] = None
    n: int = 0
    k: int = 0


@dataclass(repr=False)
class ReluBoxResult(Result):
    """A one-hidden-layer ReLU network on a box; ``alternative`` is a second parameter set
    with the same function when the verdict is ``not_identifiable``."""

    condition: Optional[str] = None
    neurons: tuple = ()
    alternative: Any = None

    def numbers(self) -> dict:
        out = super().numbers()
        if out["alternative"] is not None:
            out["alternative"] = out["alternative"].to_json()
        return out


@dataclass(repr=False)
class FuncdimResult(Result):
    """Batch functional dimension: the rank of the Jacobian J of the outputs on the samples
    with respect to the parameters (``exact``, or a certified ``lower_bound``)."""

    rank: Optional[int] = None
    d: int = 0
    h: int = 0
    d_minus_h: int = 0
    r_a: Optional[int] = None


@dataclass(repr=False)
class EquivalenceResult(Result):
    """Equivalence of two networks; ``method`` says how it was settled; ``point`` is a
    rational input where the outputs differ (``not_equivalent``)."""

    method: str = ""
    operations: Optional[tuple] = None
    point: Optional[list] = None
    output: Optional[int] = None


@dataclass(repr=False)
class SymmetriesResult(Result):
    """The affine symmetry group of an activation (``exact`` or ``undecided``).

    ``families`` describe the group in words; ``finite`` and ``order`` when exact.  The
    group is computed symbolically: there is no certificate kind for it (``certificate`` is ``None``).
    """

    activation: str = ""
    finite: Optional[bool] = None
    order: Any = None
    families: tuple = ()


@dataclass(repr=False)
class CheckResult(Result):
    """Outcome of the independent checker on one document, or on files and folders.

    ``valid``, ``invalid``, ``malformed`` count certificates; ``outcomes`` holds one
    :class:`exactid.checker.Outcome` per certificate; ``summary`` is the checked claim in
    words when there is one certificate.
    """

    total: int = 0
    valid: int = 0
    invalid: int = 0
    malformed: int = 0
    summary: str = ""
    outcomes: list = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every certificate is valid, 1 if one is invalid, 2 if one is malformed."""
        return 2 if self.malformed else (1 if self.invalid else 0)

    def numbers(self) -> dict:
        out = super().numbers()
        out.pop("outcomes")
        return out


__all__ = ["Verdict", "Result", "RankResult", "TwoLayerResult", "ButterflyResult", "KroneckerResult",
           "ReluLocalResult", "ReluBoxResult", "FuncdimResult", "EquivalenceResult", "SymmetriesResult", "CheckResult"]
