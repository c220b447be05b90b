"""Kronecker-sparse patterns and architectures (chains of patterns).

A *pattern* ``π = (a, b, c, d)`` is the support ``S_π = I_a ⊗ 1_{b×c} ⊗ I_d`` of shape
``(a·b·d) × (a·c·d)``.  Row ``i = (α, β, δ)`` (mixed radix ``(a, b, d)``, most significant
first) meets column ``j = (α', γ, δ')`` (radix ``(a, c, d)``) iff ``α = α'`` and ``δ = δ'``.
An *architecture* ``β = (π_1, …, π_L)`` describes the products ``X_1 ⋯ X_L`` with
``supp(X_l) ⊆ S_{π_l}``; shapes chain when ``a_l c_l d_l = a_{l+1} b_{l+1} d_{l+1}``.

Chainable pairs
---------------
For ``π = (a, b, c, d)`` and ``π' = (a', b', c', d')`` with ``n = acd = a'b'd'`` (the inner
dimension), the inner index ``k`` is ``(α, γ, δ)`` for ``π`` and ``(α', β', δ')`` for ``π'``.
The *rank-one support* of ``k`` is (rows of ``S_π`` meeting column ``k``) × (columns of
``S_π'`` met by row ``k``); it depends only on the *class* of ``k``, the pair
``(⌊k/(cd)⌋, k mod d; ⌊k/(b'd')⌋, k mod d')``.  The pair is **chainable** when

* (left-to-right) ``a | a'``, ``d' | d`` and ``a'·d | n``: then ``S_π S_π'`` is the pattern
  ``(a, b·d/d', c'·a'/a, d')`` and every class has ``r = n/(a'd)`` elements; or
* (right-to-left) ``a' | a``, ``d | d'`` and ``a·d' | n``: then ``S_π S_π'`` is
  ``(a', a·b/a', c'·d'/d, d)`` and every class has ``r = n/(a d')`` elements.

In both cases the rectangles of distinct classes are disjoint, they cover ``S_π S_π'``, and
every entry of the product pattern is reached by exactly ``r`` inner indices (the brute force
of ``tests/test_kronecker_architecture.py`` checks this on every pair with entries ≤ 4).

Examples
--------
>>> arch = butterfly(8)
>>> [p.as_tuple() for p in arch.patterns]
[(1, 2, 2, 4), (2, 2, 2, 2), (4, 2, 2, 1)]
>>> arch.chainable(), arch.shape
(True, (8, 8))
>>> pair_product(Pattern(1, 4, 4, 4), Pattern(4, 4, 4, 1))
(Pattern(a=1, b=16, c=16, d=1), 1)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from math import prod
from typing import Any, Optional, Sequence, Union

import numpy as np

from ...errors import InputError
from ..butterfly import Tree, make_tree

#: Largest dimension (rows or columns of a pattern) accepted: larger ones cannot be stored anyway.
MAX_DIMENSION = 1 << 24


@dataclass(frozen=True)
class Pattern:
    """The Kronecker-sparse support ``I_a ⊗ 1_{b×c} ⊗ I_d``."""

    a: int
    b: int
    c: int
    d: int

    def __post_init__(self) -> None:
        for name in "abcd":
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise InputError(f"pattern entry {name} must be a positive integer, got {v!r}")
            object.__setattr__(self, name, int(v))
        if max(self.rows, self.cols) > MAX_DIMENSION:
            raise InputError(f"pattern {self.as_tuple()} is larger than {MAX_DIMENSION} rows or columns")

    @property
    def rows(self) -> int:
        return self.a * self.b * self.d

    @property
    def cols(self) -> int:
        return self.a * self.c * self.d

    @property
    def nnz(self) -> int:
        """Number of entries of the support (``a·b·c·d``)."""
        return self.a * self.b * self.c * self.d

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.a, self.b, self.c, self.d)

    def support(self) -> np.ndarray:
        """The boolean support matrix (dense).

        >>> Pattern(2, 1, 1, 1).support().astype(int).tolist()
        [[1, 0], [0, 1]]
        """
        from ...supports import kronecker_sparse_support

        return kronecker_sparse_support(self.a, self.b, self.c, self.d)

    def __str__(self) -> str:
        return f"({self.a},{self.b},{self.c},{self.d})"


def pair_product(left: Pattern, right: Pattern) -> Optional[tuple[Pattern, int]]:
    """``(pattern of S_left S_right, class size r)`` for a chainable pair, else ``None``.

    >>> pair_product(Pattern(2, 2, 2, 1), Pattern(1, 2, 2, 2))
    (Pattern(a=1, b=4, c=4, d=1), 1)
    >>> pair_product(Pattern(1, 2, 3, 1), Pattern(1, 3, 2, 1))
    (Pattern(a=1, b=2, c=2, d=1), 3)
    >>> pair_product(Pattern(1, 2, 2, 3), Pattern(1, 3, 2, 2)) is None
    True
    """
    a, b, c, d = left.as_tuple()
    a2, b2, c2, d2 = right.as_tuple()
    n = a * c * d
    if n != a2 * b2 * d2:
        return None
    if a2 % a == 0 and d % d2 == 0 and n % (a2 * d) == 0:
        return Pattern(a, b * d // d2, c2 * a2 // a, d2), n // (a2 * d)
    if a % a2 == 0 and d2 % d == 0 and n % (a * d2) == 0:
        return Pattern(a2, a * b // a2, c2 * d2 // d, d), n // (a * d2)
    return None


@dataclass(frozen=True)
class NodeInfo:
    """An internal node of a tree of splits: levels ``p..l`` | ``l+1..q`` with its patterns."""

    p: int
    l: int
    q: int
    left: Pattern
    right: Pattern
    product: Pattern
    rank: int  # class size r

    @property
    def classes(self) -> int:
        return self.left.cols // self.rank


class Architecture:
    """A chain of Kronecker-sparse patterns ``β = (π_1, …, π_L)`` (shapes must chain).

    >>> monarch(4, 4).describe().splitlines()[0]
    'Kronecker-sparse architecture monarch:4x4 — 2 factors, 16x16, 128 parameters'
    """

    def __init__(self, patterns: Sequence[Union[Pattern, Sequence[int]]], name: str = ""):
        pats = tuple(p if isinstance(p, Pattern) else Pattern(*_four(p)) for p in patterns)
        if not pats:
            raise InputError("an architecture needs at least one pattern")
        for l in range(len(pats) - 1):
            if pats[l].cols != pats[l + 1].rows:
                raise InputError(f"shapes do not chain: pattern {l + 1} {pats[l]} has {pats[l].cols} columns, "
                                 f"pattern {l + 2} {pats[l + 1]} has {pats[l + 1].rows} rows")
        self.patterns = pats
        self.name = name or ";".join(",".join(map(str, p.as_tuple())) for p in pats)

    @property
    def L(self) -> int:
        return len(self.patterns)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.patterns[0].rows, self.patterns[-1].cols)

    @property
    def parameters(self) -> int:
        return sum(p.nnz for p in self.patterns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Architecture) and self.patterns == other.patterns

    def __hash__(self) -> int:
        return hash(self.patterns)

    def __repr__(self) -> str:
        return f"Architecture({[p.as_tuple() for p in self.patterns]!r})"

    def chainable(self) -> bool:
        """Every consecutive pair ``(π_l, π_{l+1})`` is chainable."""
        return all(pair_product(x, y) is not None for x, y in zip(self.patterns, self.patterns[1:]))

    def tree(self, spec: Union[str, Tree, Any] = "balanced") -> Tree:
        """A tree of splits over the levels ``1..L`` (see :func:`exactid.factorization.butterfly.make_tree`)."""
        return spec if isinstance(spec, Tree) else make_tree(spec, self.L)

    def nodes(self, tree: Union[str, Tree, Any] = "balanced") -> tuple[Pattern, list[NodeInfo]]:
        """The product pattern and the internal nodes (pre-order) of an *admissible* tree.

        A tree is admissible when, at every internal node, the pattern of the left interval's
        product and that of the right interval's product form a chainable pair (the interval
        patterns are computed along the tree itself).  Raises ``InputError`` otherwise.

        >>> top, nodes = butterfly(8).nodes("left")
        >>> top, [(n.p, n.l, n.q, n.rank) for n in nodes]
        (Pattern(a=1, b=8, c=8, d=1), [(1, 2, 3, 1), (1, 1, 2, 1)])
        """
        node_obj = self.tree(tree)
        if node_obj.p != 1 or node_obj.q != self.L:
            raise InputError(f"the tree must cover the levels 1..{self.L}")
        out: list[NodeInfo] = []

        def walk(node: Tree) -> Pattern:
            if node.is_leaf:
                return self.patterns[node.p - 1]
            slot = len(out)
            out.append(None)  # type: ignore[arg-type]  # pre-order slot
            left, right = walk(node.left), walk(node.right)  # type: ignore[arg-type]
            got = pair_product(left, right)
            if got is None:
                raise InputError(f"the tree is not admissible: at the split {node.p}..{node.split} | "
                                 f"{node.split + 1}..{node.q} the patterns {left} and {right} are not chainable")
            out[slot] = NodeInfo(node.p, node.split, node.q, left, right, got[0], got[1])
            return got[0]

        return walk(node_obj), out

    def product_pattern(self, tree: Union[str, Tree, Any] = "balanced") -> Pattern:
        return self.nodes(tree)[0]

    def to_json(self) -> dict:
        return {"name": self.name, "patterns": [list(p.as_tuple()) for p in self.patterns]}

    def describe(self, tree: Union[str, Tree, Any, None] = None) -> str:
        """A readable description: patterns, shapes, chainability, and the splits of a tree."""
        m, n = self.shape
        lines = [f"Kronecker-sparse architecture {self.name} — {self.L} factor{'s' if self.L > 1 else ''}, "
                 f"{m}x{n}, {self.parameters} parameters"]
        for l, p in enumerate(self.patterns, start=1):
            lines.append(f"  X_{l}: pattern {p} = I_{p.a} ⊗ 1_{p.b}x{p.c} ⊗ I_{p.d}, {p.rows}x{p.cols}, {p.nnz} nonzeros")
        pairs = [pair_product(x, y) for x, y in zip(self.patterns, self.patterns[1:])]
        if self.L == 1:
            lines.append("  one factor: nothing to chain")
        elif all(pairs):
            lines.append("  chainable: every consecutive pair is chainable")
        else:
            bad = [str(l + 1) for l, got in enumerate(pairs) if got is None]
            lines.append(f"  not chainable: the pair(s) starting at factor {', '.join(bad)} are not chainable")
        if self.L > 1 and (tree is not None or all(pairs)):
            try:
                top, nodes = self.nodes(tree if tree is not None else "balanced")
            except InputError as exc:
                lines.append(f"  tree: {exc}")
                return "\n".join(lines)
            tjson = json.dumps(self.tree(tree if tree is not None else "balanced").to_json(), separators=(",", ":"))
            lines.append(f"  product pattern {top}; tree {tjson}:")
            for nd in nodes:
                kind = "diagonal scalings" if nd.rank == 1 else f"invertible {nd.rank}x{nd.rank} blocks"
                lines.append(f"    split {nd.p}..{nd.l} | {nd.l + 1}..{nd.q}: {nd.left} x {nd.right} -> {nd.product}, "
                             f"{nd.classes} classes of size {nd.rank} ({kind} between X_{nd.l} and X_{nd.l + 1})")
        return "\n".join(lines)


def _four(p: Any) -> tuple[int, int, int, int]:
    if not isinstance(p, (list, tuple)) or len(p) != 4:
        raise InputError(f"a pattern is four positive integers (a, b, c, d), got {p!r}")
    return tuple(p)  # type: ignore[return-value]


# --------------------------------------------------------------------------- constructors


def mixed_radix(radices: Sequence[int]) -> Architecture:
    """Square butterfly of size ``N = r_1 ⋯ r_L``: ``π_l = (r_1⋯r_{l-1}, r_l, r_l, r_{l+1}⋯r_L)``.

    >>> [p.as_tuple() for p in mixed_radix([2, 3]).patterns]
    [(1, 2, 2, 3), (2, 3, 3, 1)]
    """
    rs = [int(r) for r in radices]
    if not rs or any(r < 2 for r in rs):
        raise InputError(f"radices must be integers >= 2, got {list(radices)!r}")
    N = prod(rs)
    if N > MAX_DIMENSION:
        raise InputError(f"size {N} is larger than {MAX_DIMENSION}")
    pats = [Pattern(prod(rs[:l]), r, r, prod(rs[l + 1:])) for l, r in enumerate(rs)]
    name = f"radix:{rs[0]}^{len(rs)}" if len(set(rs)) == 1 else "radix:" + ",".join(map(str, rs))
    return Architecture(pats, name)


def radices_of(arch: Architecture) -> list[int]:
    """The radices of a square mixed-radix butterfly (``InputError`` for other architectures).

    >>> radices_of(mixed_radix([3, 2, 2]))
    [3, 2, 2]
    """
    rs = [p.b for p in arch.patterns]
    if any(r < 2 for r in rs) or mixed_radix(rs) != arch:
        raise InputError(f"the DFT needs a mixed-radix butterfly architecture (radix:K^L or radix:r1,r2,...), got {arch.name}")
    return rs


def radix(k: int, L: int) -> Architecture:
    """Radix-``k`` butterfly of size ``k^L``."""
    if k < 2 or L < 1:
        raise InputError(f"a radix-k butterfly needs k >= 2 and L >= 1, got k={k}, L={L}")
    if k ** L > MAX_DIMENSION:
        raise InputError(f"size {k}^{L} is larger than {MAX_DIMENSION}")
    return mixed_radix([k] * L)


def butterfly(N: int) -> Architecture:
    """The square dyadic butterfly of size ``N = 2^L``: ``π_l = (2^{l-1}, 2, 2, N/2^l)``."""
    if N < 2 or N & (N - 1):
        raise InputError(f"a dyadic butterfly needs a power of two >= 2, got {N}")
    arch = radix(2, N.bit_length() - 1)
    arch.name = f"butterfly:{N}"
    return arch


def monarch(p: int, q: int) -> Architecture:
    """Monarch matrices of size ``n = p·q``: ``P^T·blockdiag(p blocks q'×q')·P·blockdiag(...)`` form.

    ``X_1`` has pattern ``(1, p, p, q) = 1_{p×p} ⊗ I_q`` (a block-diagonal matrix of ``q``
    blocks ``p×p`` conjugated by the perfect shuffle) and ``X_2`` has ``(p, q, q, 1) =
    I_p ⊗ 1_{q×q}`` (``p`` diagonal blocks ``q×q``).  The product pattern is full.
    """
    if p < 1 or q < 1 or p * q < 2:
        raise InputError(f"monarch needs positive block sizes with p*q >= 2, got {p}x{q}")
    return Architecture([Pattern(1, p, p, q), Pattern(p, q, q, 1)], f"monarch:{p}x{q}")


def deformable(patterns: Sequence[Sequence[int]]) -> Architecture:
    """Any chain of patterns (e.g. a deformable butterfly), given as ``(a, b, c, d)`` quadruples."""
    return Architecture([Pattern(*_four(p)) for p in patterns])


_INT = r"([1-9][0-9]{0,7})"


def parse_architecture(text: str) -> Architecture:
    """Parse the command-line syntax of an architecture.

    ``butterfly:N`` (N a power of 2), ``radix:K^L``, ``radix:r1,r2,...`` (mixed radix),
    ``monarch:PxQ``, or explicit patterns ``a,b,c,d;a,b,c,d;...``.

    >>> parse_architecture("radix:3^2").name, parse_architecture("2,2,2,1;1,2,2,2").shape
    ('radix:3^2', (4, 4))
    """
    if not isinstance(text, str) or len(text) > 10_000:
        raise InputError("an architecture is a short string such as 'butterfly:1024' or 'monarch:16x16'")
    s = text.strip().replace(" ", "")
    if m := re.fullmatch(r"butterfly:" + _INT, s):
        return butterfly(int(m.group(1)))
    if m := re.fullmatch(r"radix:" + _INT + r"\^" + _INT, s):
        return radix(int(m.group(1)), int(m.group(2)))
    if m := re.fullmatch(r"radix:(" + _INT + r"(?:," + _INT + r")*)", s):
        parts = m.group(1).split(",")
        if len(parts) > 64:
            raise InputError("at most 64 radices")
        return mixed_radix([int(x) for x in parts])
    if m := re.fullmatch(r"monarch:" + _INT + "x" + _INT, s):
        return monarch(int(m.group(1)), int(m.group(2)))
    quad = _INT + "," + _INT + "," + _INT + "," + _INT
    if re.fullmatch(quad + "(?:;" + quad + ")*", s):
        parts = s.split(";")
        if len(parts) > 64:
            raise InputError("at most 64 patterns")
        return deformable([tuple(int(x) for x in part.split(",")) for part in parts])
    raise InputError(f"cannot parse the architecture {text[:60]!r}: use butterfly:N, radix:K^L, radix:r1,r2,..., "
                     "monarch:PxQ or a,b,c,d;a,b,c,d;...")
