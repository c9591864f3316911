"""One exception hierarchy for the whole package.

Every failure a user can cause (bad files, bad plans, unsupported features, engine errors)
is a :class:`PlanError` carrying the path to the offending plan node and the reason, so a
service can report it and a command can exit cleanly instead of printing a traceback.
"""

from __future__ import annotations


class PlanError(Exception):
    """A plan could not be read, built, validated or executed.

    ``path`` locates the node, e.g. ``relations[0].root.input.filter.condition``; it is
    empty when the problem is not tied to a node (a missing file, say).
    """

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path else reason)

    def at(self, prefix: str) -> PlanError:
        """The same error with ``prefix`` prepended to its path (used while unwinding)."""
        path = f"{prefix}.{self.path}" if self.path and prefix else (prefix or self.path)
        err = type(self)(self.reason, path)
        err.__cause__ = self.__cause__
        return err


class PlanReadError(PlanError):
    """The bytes or text given are not a readable Substrait plan (exit code 2)."""


class PlanValidationError(PlanError):
    """The plan reads but is not structurally valid Substrait."""


class PlanBuildError(PlanError):
    """The dataframe API was asked to build something ill-typed or ill-formed."""


class UnsupportedError(PlanError):
    """The plan is valid but uses something this engine (or planbridge) cannot run."""


class EngineError(PlanError):
    """The engine rejected or failed the translated query."""


class TableBindingError(PlanError):
    """A table the plan reads is missing or its data does not match the declared schema."""
