"""The input layer: caps, containers, and the vectorized conversion against the element-wise one."""

from __future__ import annotations

import gzip
import io
import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.domains import QQ, CyclotomicField, ExactMatrix
from exactid.errors import InputError
from exactid.io import files as files_module
from exactid.io.arrays import load_npy, load_npz
from exactid.io.files import json_depth, read_bytes, read_json
from exactid.io.matrices import load_matrix, matrix_from_json, rationals_to_integers

scalars = st.one_of(
    st.integers(-10**6, 10**6),
    st.integers(-(2**70), 2**70),
    st.builds(lambda p, q: f"{p}/{q}", st.integers(-10**20, 10**20), st.integers(1, 10**20)),
    st.builds(lambda p, q: f"{p}/{q}", st.integers(-9, 9), st.integers(1, 12)),
    st.integers(-99, 99).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(scalars, min_size=1, max_size=30))
def test_bulk_rationals_equal_fractions(values):
    num, den = rationals_to_integers(values)
    assert den >= 1 and len(num) == len(values)
    for x, n in zip(values, num.tolist()):
        expected = Fraction(x) if not isinstance(x, float) else Fraction(*x.as_integer_ratio())
        assert Fraction(int(n), den) == expected
    if num.dtype != object:
        assert int(np.max(np.abs(num))) < 2**62


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from([1, 3, 4, 8]), st.data())
def test_matrix_from_json_equals_the_element_wise_path(m, n, conductor, data):
    field = QQ if conductor == 1 else CyclotomicField(conductor)
    if field is QQ:
        rows = [[data.draw(scalars) for _ in range(n)] for _ in range(m)]
        obj = rows
    else:
        rows = [[[data.draw(scalars) for _ in range(field.degree)] for _ in range(n)] for _ in range(m)]
        obj = {"field": field.name, "entries": rows}
    assert matrix_from_json(obj) == ExactMatrix.from_rows(rows, field)


@pytest.mark.parametrize("bad, fragment", [
    ([[True]], "bool"), ([[None]], "NoneType"), ([["1/0"]], "not a rational"), ([["x"]], "not a rational"),
    ([["1/-2"]], "not a rational"), ([["1_000"]], "not a rational"), ([[1], [1, 2]], "ragged"),
    ({"field": "QQ(zeta_8)", "entries": [[1]]}, "coefficient lists"),
    ({"field": "QQ(zeta_8)", "entries": [[[1, 2]]]}, "needs 4 coefficients"),
    ({"n": 10**9, "entries": [[[1]]]}, "<= 65536"), ({"field": "QQ(zeta_1000000000)", "entries": []}, "conductor"),
    ([[float("nan")]], "finite"),
])
def test_bad_matrices(bad, fragment):
    with pytest.raises(InputError, match=fragment.replace("(", r"\(")):
        matrix_from_json(bad)


def _depth(obj) -> int:
    if isinstance(obj, list):
        return 1 + max((_depth(x) for x in obj), default=0)
    if isinstance(obj, dict):
        return 1 + max((_depth(x) for x in obj.values()), default=0)
    return 0


json_values = st.recursive(st.one_of(st.integers(), st.text(alphabet='[]{}"\\ab', max_size=6), st.none()),
                           lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=3), c, max_size=3)),
                           max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_json_depth_matches_the_parsed_depth(value):
    assert json_depth(json.dumps(value).encode()) == _depth(value)


def test_gzip_members_caps_and_garbage(tmp_path):
    p = tmp_path / "two.json.gz"
    p.write_bytes(gzip.compress(b"[[1, 2],") + gzip.compress(b" [3, 4]]"))
    assert read_json(p) == [[1, 2], [3, 4]]
    p.write_bytes(gzip.compress(b"[1]") + b"junk")
    with pytest.raises(InputError, match="trailing garbage"):
        read_json(p)
    p.write_bytes(gzip.compress(b"[" + b" " * 5000 + b"]"))
    with pytest.raises(InputError, match="decompresses to more than 1000 bytes"):
        read_bytes(p, limit=1000)
    q = tmp_path / "plain.json"
    q.write_bytes(b"[" + b" " * 5000 + b"]")
    with pytest.raises(InputError, match="more than 1000 bytes"):
        read_bytes(q, limit=1000)
    with pytest.raises(InputError, match="is a directory"):
        read_json(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        read_json(tmp_path / "missing.json")


def test_integer_digit_cap_restores_the_interpreter_setting(tmp_path):
    import sys

    before = sys.get_int_max_str_digits()
    p = tmp_path / "d.json"
    p.write_text("[" + "1" * 4301 + "]")
    with pytest.raises(InputError, match="4300 digits"):
        read_json(p)
    p.write_text("[" + "1" * 4300 + "]")
    assert read_json(p) == [int("1" * 4300)]
    assert sys.get_int_max_str_digits() == before


def test_npy_and_npz_containers(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(6).reshape(2, 3))
    assert load_npy(tmp_path / "a.npy").shape == (2, 3)
    raw = (tmp_path / "a.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(raw[:-5])
    with pytest.raises(InputError, match="truncated"):
        load_npy(tmp_path / "t.npy")
    np.save(tmp_path / "o.npy", np.array([1, "x"], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="object arrays"):
        load_npy(tmp_path / "o.npy")
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
    (tmp_path / "h.npy").write_bytes(header.getvalue())
    with pytest.raises(InputError, match="needs 8000000000000 bytes"):
        load_npy(tmp_path / "h.npy")
    np.savez(tmp_path / "z.npz", a=np.eye(2))
    with pytest.raises(InputError, match="got a .npz archive"):
        load_npy(tmp_path / "z.npz")
    with pytest.raises(InputError, match="got a .npy array"):
        load_npz(tmp_path / "a.npy")
    with pytest.raises(InputError, match="missing member b"):
        load_npz(tmp_path / "z.npz", required=("a", "b"))
    broken = bytearray(raw)
    broken[raw.index(b"{")] = ord("(")  # an unbalanced header: numpy's tokenizer fails
    (tmp_path / "b.npy").write_bytes(bytes(broken))
    with pytest.raises(InputError, match="not a readable .npy"):
        load_npy(tmp_path / "b.npy")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(InputError, match="not a readable .npz"):
        load_npz(tmp_path / "bad.npz")


def test_npy_matrix_goes_straight_in(tmp_path):
    arr = np.array([[1, -2], [2**62, 5]], dtype=np.int64)
    np.save(tmp_path / "m.npy", arr)
    m = load_matrix(str(tmp_path / "m.npy"))
    assert m == ExactMatrix.from_rows(arr.tolist(), QQ)
    np.save(tmp_path / "u.npy", np.array([[2**64 - 1]], dtype=np.uint64))
    assert load_matrix(str(tmp_path / "u.npy")) == ExactMatrix.from_rows([[2**64 - 1]], QQ)


def test_memory_cap_of_json_text(tmp_path, monkeypatch):
    monkeypatch.setattr(files_module, "available_memory_bytes", lambda: 12 * 100)
    p = tmp_path / "m.json"
    p.write_text(json.dumps([[1] * 100]))
    with pytest.raises(InputError, match="more than 100 bytes"):
        read_json(p)
