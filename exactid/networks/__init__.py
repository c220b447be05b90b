"""Neural networks: the shared file format, and one module per topic."""
