"""Split trees of the hierarchical butterfly algorithm: which levels each node covers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Union

from ...errors import InputError


@dataclass(frozen=True)
class Tree:
    """A binary tree of splits over the levels ``p..q`` (a leaf when ``p == q``)."""

    p: int
    q: int
    left: Optional["Tree"] = None
    right: Optional["Tree"] = None

    @property
    def split(self) -> int:
        """``l``: the left child covers ``p..l``, the right one ``l+1..q``."""
        if self.left is None:
            raise ValueError("a leaf has no split")
        return self.left.q

    @property
    def is_leaf(self) -> bool:
        return self.left is None

    def internal_nodes(self) -> Iterator["Tree"]:
        """Internal nodes, parents before children (pre-order)."""
        if not self.is_leaf:
            yield self
            yield from self.left.internal_nodes()  # type: ignore[union-attr]
            yield from self.right.internal_nodes()  # type: ignore[union-attr]

    def to_json(self) -> Any:
        """A leaf is its level (int); a node is ``[left, right]``."""
        if self.is_leaf:
            return self.p
        return [self.left.to_json(), self.right.to_json()]  # type: ignore[union-attr]


def make_tree(spec: Union[str, Any], L: int) -> Tree:
    """A tree over the levels ``1..L``.

    ``spec`` is ``"balanced"`` (left child gets ceil(half) of the levels), ``"left"`` (the
    root splits off the last level: ``((1, 2), 3)``), ``"right"`` (the root splits off the
    first level: ``(1, (2, 3))``), or an explicit nested list (JSON text allowed) whose
    leaves are the levels ``1..L`` in order, e.g. ``[[1, 2], [3, 4]]``.

    >>> make_tree("balanced", 4).to_json()
    [[1, 2], [3, 4]]
    >>> make_tree("left", 3).to_json(), make_tree("right", 3).to_json()
    ([[1, 2], 3], [1, [2, 3]])
    """
    if L < 1:
        raise InputError("a butterfly tree needs at least one level")

    def build(p: int, q: int, kind: str) -> Tree:
        if p == q:
            return Tree(p, q)
        if kind == "balanced":
            l = p + (q - p + 2) // 2 - 1
        elif kind == "left":
            l = q - 1
        else:
            l = p
        return Tree(p, q, build(p, l, kind), build(l + 1, q, kind))

    if isinstance(spec, str) and spec in ("balanced", "left", "right"):
        return build(1, L, spec)
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except ValueError:
            raise InputError(f"tree must be balanced, left, right or a nested JSON list, got {spec!r}") from None
    tree = tree_from_json(spec)
    if (tree.p, tree.q) != (1, L):
        raise InputError(f"the tree must cover the levels 1..{L}, it covers {tree.p}..{tree.q}")
    return tree


def tree_from_json(obj: Any) -> Tree:
    """Parse a nested list tree (leaves: consecutive levels)."""
    if isinstance(obj, bool):
        raise InputError("tree leaves must be integers")
    if isinstance(obj, int):
        return Tree(obj, obj)
    if not (isinstance(obj, list) and len(obj) == 2):
        raise InputError(f"a tree node must be a level or a pair [left, right], got {str(obj)[:40]}")
    left, right = tree_from_json(obj[0]), tree_from_json(obj[1])
    if right.p != left.q + 1:
        raise InputError(f"tree leaves must be consecutive levels (got {left.q} then {right.p})")
    return Tree(left.p, right.q, left, right)
