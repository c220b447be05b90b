"""exactid: exact, certified identifiability of sparse factorizations and neural networks.

Layers (lower layers never import higher ones):

- :mod:`exactid.domains` -- exact fields Q, Q(zeta_n), F_p and a float domain;
- :mod:`exactid.linalg` -- certified linear algebra (rank, nullspace, solve, det);
- :mod:`exactid.io` -- reading user files, writing certificates atomically;
- :mod:`exactid.certify` -- certificate generation;
- :mod:`exactid.cli` -- the ``exactid`` command;
- :mod:`exactid.checker` -- the independent checker (imports nothing above).
"""

__version__ = "0.1.0"
