"""Implementation of the top-level Python API (re-exported flat by :mod:`exactid`).

One module per topic: :mod:`.matrices` (rank, two-layer and butterfly factorizations),
:mod:`.networks` (ReLU identifiability, functional dimension, equivalence, symmetries),
:mod:`.certificates` (checking).  Each function converts its inputs exactly, runs the
library's decision, builds the certificate and returns a :class:`exactid.results.Result`.
The command line calls the same functions and only parses and prints.
"""
