"""Regenerate tests/data/oracles.json: reference values computed without exactid.

Every value here comes from an independent method: SymPy's exact rank (over Q and Q(i)),
SymPy's symbolic Jacobian of a ReLU network on its activation region, and a brute-force
enumeration of the exact covers of a matrix by rank-one blocks.  The tests
(tests/test_oracles.py) compare exactid's answers with these values.

Run: ``python tests/data/make_oracles.py`` (deterministic; a few seconds).
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import sympy

OUT = Path(__file__).with_name("oracles.json")


def rank_cases(rng: random.Random) -> list[dict]:
    cases = []
    for m, n, inner in ((4, 4, 2), (5, 7, 3), (6, 6, 6), (7, 5, 4), (8, 8, 5)):
        left = sympy.Matrix(m, inner, lambda i, j: sympy.Rational(rng.randint(-4, 4), rng.randint(1, 3)))
        right = sympy.Matrix(inner, n, lambda i, j: rng.randint(-3, 3))
        M = left * right
        cases.append({"field": "QQ", "entries": [[str(x) for x in M.row(i)] for i in range(m)], "rank": M.rank()})
    for m, n, inner in ((3, 3, 1), (4, 5, 2), (5, 5, 5)):
        left = sympy.Matrix(m, inner, lambda i, j: rng.randint(-2, 2) + rng.randint(-2, 2) * sympy.I)
        right = sympy.Matrix(inner, n, lambda i, j: rng.randint(-2, 2) + rng.randint(-2, 2) * sympy.I)
        M = (left * right).applyfunc(sympy.expand)
        coeffs = [[[int(sympy.re(x)), int(sympy.im(x))] for x in M.row(i)] for i in range(m)]
        cases.append({"field": "QQ(zeta_4)", "entries": coeffs, "rank": M.rank(simplify=True)})
    return cases


def rank_one(Z: list[list[int]], rows: tuple, cols: tuple) -> bool:
    return all(Z[a][c] * Z[b][d] == Z[a][d] * Z[b][c]
               for a, b in itertools.combinations(rows, 2) for c, d in itertools.combinations(cols, 2))


def count_covers(Z: list[list[int]], k: int, kp: int, r: int) -> int:
    """Exact covers of the (nonzero) entries of Z by r disjoint rank-one k x kp blocks."""
    m, n = len(Z), len(Z[0])
    blocks = [frozenset((i, j) for i in rows for j in cols)
              for rows in itertools.combinations(range(m), k) for cols in itertools.combinations(range(n), kp)
              if rank_one(Z, rows, cols)]
    by_cell: dict = {}
    for b in blocks:
        for cell in b:
            by_cell.setdefault(cell, []).append(b)
    cells = [(i, j) for i in range(m) for j in range(n)]

    def search(covered: frozenset, used: int) -> int:
        free = next((c for c in cells if c not in covered), None)
        if free is None:
            return 1 if used == r else 0
        if used == r:
            return 0
        return sum(search(covered | b, used + 1) for b in by_cell.get(free, []) if not (b & covered))

    return search(frozenset(), 0)


def cover_cases(rng: random.Random) -> list[dict]:
    cases = []
    hadamard = [[1]]
    for _ in range(3):
        hadamard = [row + row for row in hadamard] + [row + [-x for x in row] for row in hadamard]
    h4 = [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]
    cases.append({"name": "hadamard-4", "Z": h4, "k": 2, "kp": 2, "r": 4, "covers": count_covers(h4, 2, 2, 4)})
    cases.append({"name": "hadamard-8", "Z": hadamard, "k": 4, "kp": 2, "r": 8,
                  "covers": count_covers(hadamard, 4, 2, 8)})
    for seed in range(4):
        # Z = X Y with X 2-sparse by column and Y 2-sparse by row, r = 4 disjoint 2 x 2 blocks
        rows = list(range(4))
        cols = list(range(4))
        rng.shuffle(rows)
        rng.shuffle(cols)
        Z = [[0] * 4 for _ in range(4)]
        for t in range(4):
            rs, cs = rows[2 * (t // 2):2 * (t // 2) + 2], cols[2 * (t % 2):2 * (t % 2) + 2]
            u = [rng.choice([-3, -2, -1, 1, 2, 3]) for _ in rs]
            v = [rng.choice([-2, -1, 1, 2, 3]) for _ in cs]
            for a, i in enumerate(rs):
                for b, j in enumerate(cs):
                    Z[i][j] = u[a] * v[b]
        if seed == 3:  # make two blocks proportional so that other covers may appear
            Z = [[abs(x) for x in row] for row in Z]
        cases.append({"name": f"random-{seed}", "Z": Z, "k": 2, "kp": 2, "r": 4, "covers": count_covers(Z, 2, 2, 4)})
    return cases


def funcdim_cases(rng: random.Random) -> list[dict]:
    """rank of the Jacobian J of a ReLU network's outputs on samples, by SymPy on the activation region."""
    cases = []
    for widths, n in (([1, 2, 1], 3), ([2, 3, 1], 4), ([2, 3, 1], 8), ([2, 2, 2, 1], 6), ([3, 4, 2], 5)):
        for _ in range(50):  # draw until no hidden pre-activation is exactly 0 (J defined)
            case = _funcdim_case(rng, widths, n)
            if case is not None:
                cases.append(case)
                break
    return cases


def _funcdim_case(rng: random.Random, widths: list, n: int):
    nonzero = [-3, -2, -1, 1, 2, 3]
    layers = [([[rng.choice(nonzero) for _ in range(widths[l])] for _ in range(widths[l + 1])],
               [rng.choice([-2, -1, 1, 2]) for _ in range(widths[l + 1])]) for l in range(len(widths) - 1)]
    X = [[sympy.Rational(rng.randint(-5, 5), rng.randint(1, 3)) for _ in range(widths[0])] for _ in range(n)]
    symbols, sym_layers = [], []
    for l, (W, b) in enumerate(layers):
        Ws = [[sympy.Symbol(f"w{l}_{i}_{j}") for j in range(len(W[0]))] for i in range(len(W))]
        bs = [sympy.Symbol(f"b{l}_{i}") for i in range(len(b))]
        symbols += [s for row in Ws for s in row] + bs
        sym_layers.append((Ws, bs))
    values = {s: v for (Ws, bs), (W, b) in zip(sym_layers, layers)
              for s, v in zip([x for row in Ws for x in row] + bs, [x for row in W for x in row] + b)}
    rows = []
    for x in X:
        act = [sympy.Integer(v) if isinstance(v, int) else v for v in x]
        num = list(x)
        for l, ((Ws, bs), (W, b)) in enumerate(zip(sym_layers, layers)):
            pre_num = [sum(W[i][j] * num[j] for j in range(len(num))) + b[i] for i in range(len(b))]
            pre = [sum(Ws[i][j] * act[j] for j in range(len(act))) + bs[i] for i in range(len(bs))]
            if l == len(layers) - 1:
                act = pre
            else:
                if any(v == 0 for v in pre_num):
                    return None
                act = [p if v > 0 else sympy.Integer(0) for p, v in zip(pre, pre_num)]
                num = [max(v, 0) for v in pre_num]
        rows += [[sympy.diff(out, s).subs(values) for s in symbols] for out in act]
    J = sympy.Matrix(rows)
    return {"activation": "relu", "layers": [{"W": W, "b": b} for W, b in layers],
            "X": [[str(v) for v in x] for x in X], "rank": J.rank(), "d_minus_h": len(symbols) - sum(widths[1:-1])}


def main() -> None:
    rng = random.Random(20261203)
    data = {"generator": "tests/data/make_oracles.py", "rank": rank_cases(rng), "covers": cover_cases(rng),
            "funcdim": funcdim_cases(rng)}
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(data['rank'])} ranks, {len(data['covers'])} cover counts, "
          f"{len(data['funcdim'])} functional dimensions")


if __name__ == "__main__":
    main()
