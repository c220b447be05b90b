"""Exact domains: Q, Q(zeta_n), F_p, and a float domain for explicit fallbacks."""

from .base import Field, to_fmpq
from .cyclotomic import CyclotomicElement, CyclotomicField, euler_phi
from .finite import PrimeField, Reduction, is_prime, primitive_roots, root_of_order, split_primes
from .floats import FloatDomain
from .matrix import ExactMatrix, field_from_name
from .rationals import QQ, RationalField

__all__ = [
    "Field", "to_fmpq", "CyclotomicElement", "CyclotomicField", "euler_phi", "PrimeField",
    "Reduction", "is_prime", "primitive_roots", "root_of_order", "split_primes", "FloatDomain",
    "ExactMatrix", "field_from_name", "QQ", "RationalField",
]
