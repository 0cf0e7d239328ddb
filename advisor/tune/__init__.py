"""The tuner: ``advisor tune`` as a library (see docs/tune.md)."""
