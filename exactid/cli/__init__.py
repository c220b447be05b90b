"""The ``exactid`` command line."""
