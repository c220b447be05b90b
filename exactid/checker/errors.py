"""Checker outcomes: a malformed document, or a well-formed one whose step fails."""


class Malformed(Exception):
    """The certificate is not well formed (a missing key, a wrong type, an index out of range)."""


class StepFailed(Exception):
    """A step's fact does not hold."""
