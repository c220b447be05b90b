"""Fuzzing the checker: malformed and mutated inputs never raise, never crash, never hang.

A seeded mutation loop (deterministic, fast) feeds well over 10,000 inputs per run through
``check_document`` (in memory), ``check_bytes`` (the byte-level path of ``check_file``) and a
sample through ``check_file`` on disk.  Every call must return normally (a summary or an
Outcome) or raise :class:`Rejected`; a "checker error" (a handler bug caught by the safety
net) also fails the test.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
from pathlib import Path

import pytest

from exactid.certify.rank import rank_certificate
from exactid.checker import check_bytes, check_document, check_file
from exactid.checker.core import Rejected
from exactid.domains import QQ, CyclotomicField, ExactMatrix

PROOFS = Path(__file__).resolve().parents[1] / "proofs"
SEED = 20260

NASTY_VALUES = [
    None, True, False, 0, -1, 1, 2, 7, 2**63, -(2**64), 10**40, 1.5, float("nan"), "", "0", "-0", "1/0",
    "3/-4", "1_000", " 1", "١٢", "x", "QQ", "QQ(zeta_8)", "QQ(zeta_999999)", "QQ(zeta_65536)", "9" * 5000,
    "9" * 120_000, [], {}, [[]], [[0]], [1, 2], [-1, 0], [10**9, 10**9], [2**40, 2**40], {"kind": "rank"},
    "minor_nonzero_mod_p", "kernel_vectors", "exact", "lower_bound",
]


def small_certificates() -> list[dict]:
    """Small rank certificates (full rank, deficient, rationals, cyclotomic) to mutate."""
    z3, z8 = CyclotomicField(3), CyclotomicField(8)
    mats = [
        ExactMatrix.from_rows([[1, 2, 3], [2, 4, 6], [1, 0, 1]], QQ),
        ExactMatrix.from_rows([["1/2", 2], [3, "-5/7"]], QQ),
        ExactMatrix.from_rows([[0, 0], [0, 0]], QQ),
        ExactMatrix.from_integers([[[1, 0], [0, 1]], [[0, 1], [1, 1]], [[1, 1], [1, 2]]], z3),
        ExactMatrix.from_integers([[[1, 0, 0, 0], [0, 1, 0, 0]], [[0, 1, 0, 0], [0, 0, 1, 0]]], z8),
    ]
    return [rank_certificate(m)[0] for m in mats]


def proof_samples(limit_bytes: int = 20_000) -> list[dict]:
    """Small committed certificates of any kind (topics add kinds in parallel)."""
    out = []
    for path in sorted(PROOFS.rglob("*.json*")):
        if path.stat().st_size <= limit_bytes:
            raw = path.read_bytes()
            out.append(json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw))
    return out


def locations(node, prefix=()):
    """Every (container, key) path in a JSON tree, the root excluded (40 levels at most)."""
    if len(prefix) > 40:
        return
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, child in items:
        yield prefix + (key,)
        yield from locations(child, prefix + (key,))


def get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def mutate(doc: dict, rng: random.Random) -> dict:
    """One to three random structural or value mutations of a deep copy."""
    doc = copy.deepcopy(doc)
    rounds = rng.randint(1, 3)
    for round_ in range(rounds):
        paths = list(locations(doc))
        if not paths:
            return doc
        path = rng.choice(paths)
        parent, key = get(doc, path[:-1]), path[-1]
        value = parent[key]
        op = rng.randrange(8)
        if op == 6 and round_ < rounds - 1:  # deep nesting only last: the helpers here recurse
            op = 0
        if op == 0:
            parent[key] = copy.deepcopy(rng.choice(NASTY_VALUES))
        elif op == 1 and isinstance(parent, dict):
            del parent[key]
        elif op == 1:
            parent.pop(key)
        elif op == 2 and isinstance(value, int) and not isinstance(value, bool):
            parent[key] = value + rng.choice([-1, 1, -value - 1, 2**61, -(2**70)])
        elif op == 3 and isinstance(value, list):
            value.append(copy.deepcopy(value[0]) if value else 0)
        elif op == 4:
            parent[key] = [value]
        elif op == 5 and isinstance(value, str):
            parent[key] = value[: rng.randrange(len(value) + 1)] + rng.choice(["", "/0", "1", "x", ")"])
        elif op == 6:
            deep = value
            for _ in range(rng.choice([10, 200, 2000])):
                deep = [deep]
            parent[key] = deep
        else:
            parent[key] = json.loads(json.dumps(value)) if rng.random() < 0.5 else str(value)[:50]
    return doc


def assert_never_crashes(doc) -> None:
    try:
        summary = check_document(doc)
        assert isinstance(summary, str)
    except Rejected as rej:
        assert "checker error" not in rej.reason, f"a handler crashed: {rej}"


def test_mutated_certificates_in_memory_never_crash():
    rng = random.Random(SEED)
    bases = small_certificates()
    for base in bases:
        check_document(base)  # the unmutated bases are valid
    for _ in range(9000):
        assert_never_crashes(mutate(rng.choice(bases), rng))


def test_mutated_bundled_certificates_never_crash():
    """Every small committed certificate, mutated a number of times that fits a time budget."""
    import time

    rng = random.Random(SEED + 1)
    bases = proof_samples()
    if not bases:
        pytest.skip("no small bundled certificates")
    budget = 12.0 / len(bases)  # seconds per base certificate
    for base in bases:
        start = time.perf_counter()
        assert_never_crashes(base)  # (validity of proofs/ is exactid check's business)
        once = max(time.perf_counter() - start, 1e-4)
        for _ in range(max(3, min(150, int(budget / once)))):
            assert_never_crashes(mutate(base, rng))


def byte_inputs(rng: random.Random, bases: list[bytes]):
    """Truncated, bit-flipped, random, and gzip-wrapped garbage bytes."""
    for _ in range(1500):
        raw = rng.choice(bases)
        kind = rng.randrange(6)
        if kind == 0:
            yield raw[: rng.randrange(len(raw))]
        elif kind == 1:
            data = bytearray(raw)
            for _ in range(rng.randint(1, 5)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield bytes(data)
        elif kind == 2:
            yield bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        elif kind == 3:
            packed = gzip.compress(raw, mtime=0)
            yield packed[: rng.randrange(2, len(packed))]
        elif kind == 4:
            yield gzip.compress(bytes(rng.randrange(256) for _ in range(32)), mtime=0)
        else:
            yield b"\x1f\x8b" + bytes(rng.randrange(256) for _ in range(rng.randrange(40)))


def test_garbage_bytes_never_crash():
    rng = random.Random(SEED + 2)
    bases = [json.dumps(d).encode() for d in small_certificates()]
    count = 0
    for raw in byte_inputs(rng, bases):
        outcome = check_bytes(raw, "<fuzz>")
        assert outcome.status in ("valid", "invalid", "malformed")
        assert "checker error" not in outcome.reason
        count += 1
    assert count == 1500


def test_pathological_documents_are_refused_cleanly(tmp_path):
    """Deep nesting, huge numbers, huge shapes, gzip bombs: refused with a reason, quickly."""
    cert = small_certificates()[0]
    huge_shape = copy.deepcopy(cert)
    huge_shape["data"]["matrix"]["shape"] = [10**6, 10**6]
    huge_field = copy.deepcopy(cert)
    huge_field["data"]["matrix"]["field"] = "QQ(zeta_999983)"
    huge_prime = copy.deepcopy(cert)
    huge_prime["steps"][0]["p"] = str(10**400 + 267)
    huge_int = copy.deepcopy(cert)
    huge_int["claim"]["rank"] = "7" * 200_000
    for doc, words in [(huge_shape, "shape"), (huge_field, "conductor"), (huge_prime, "prime"), (huge_int, "digits")]:
        with pytest.raises(Rejected, match=words):
            check_document(doc)
    deep = b"[" * 100_000 + b"]" * 100_000
    assert "nested" in check_bytes(deep).reason
    bomb = gzip.compress(b"[" + b"0," * (1 << 22) + b"0]", mtime=0)
    import exactid.checker.core as core

    old = core.MAX_JSON_BYTES
    core.MAX_JSON_BYTES = 1 << 20
    try:
        outcome = check_bytes(bomb)
    finally:
        core.MAX_JSON_BYTES = old
    assert outcome.status == "malformed" and "more than" in outcome.reason


def test_files_on_disk_never_crash(tmp_path):
    rng = random.Random(SEED + 3)
    bases = small_certificates()
    for i in range(200):
        doc = mutate(rng.choice(bases), rng)
        suffix = ".json.gz" if i % 3 == 0 else ".json"
        try:
            raw = json.dumps(doc).encode()
        except RecursionError:  # the deepest mutations cannot even be serialized by json
            raw = b"[" * 5000 + b"]" * 5000
        path = tmp_path / f"c{i}{suffix}"
        path.write_bytes(gzip.compress(raw, mtime=0) if suffix.endswith(".gz") else raw)
        outcome = check_file(str(path))
        assert outcome.status in ("valid", "invalid", "malformed")
        assert "checker error" not in outcome.reason
    assert check_file(str(tmp_path)).status == "malformed"  # a directory given as a file
    assert check_file(str(tmp_path / "missing.json")).status == "malformed"
