"""The limits of the input layer, in one place (documented in README.md and docs/inputs.md).

Every user file goes through :mod:`exactid.io.files` (JSON, gzip JSON) or
:mod:`exactid.io.arrays` (``.npy``, ``.npz``); these caps bound the memory and time any file
can cost before it is refused with a one-line :class:`~exactid.errors.InputError`.
"""

from __future__ import annotations

from ..resources import MAX_CONDUCTOR, MAX_MATRIX_COEFFICIENTS

MAX_FILE_BYTES = 1 << 30
"""Largest user file read (bytes on disk)."""
MAX_JSON_BYTES = 256 << 20
"""Largest JSON text, after decompression (bytes); decompression stops as soon as it is exceeded."""
JSON_MEMORY_FACTOR = 12
"""Parsed JSON may take this many times its text size in memory: checked against free memory."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of JSON arrays and objects."""
MAX_INT_DIGITS = 4300
"""Most decimal digits of one integer (in JSON numbers and in "p/q" strings), Python's default."""
MAX_ARRAY_BYTES = 1 << 30
"""Largest array in a ``.npy`` file or ``.npz`` member (bytes once loaded)."""
MAX_NPZ_MEMBERS = 64
"""Most members of one ``.npz`` archive."""
MAX_ELEMENTS = MAX_MATRIX_COEFFICIENTS
"""Most scalar coefficients of one matrix (the checker's MAX_ENTRIES)."""
MAX_CONDUCTOR = MAX_CONDUCTOR
"""Largest conductor n of a cyclotomic field Q(zeta_n) (the checker's MAX_CONDUCTOR)."""
MAX_TREE_DEPTH = 64
"""Deepest nesting of a --tree or --perm JSON argument."""
MAX_ARGUMENT_CHARS = 1 << 20
"""Longest --tree or --perm argument (characters)."""
