"""Errors raised by the dedup library.

Only the CLI turns these into exit codes and one line on stderr; the library never prints.
Every message says what went wrong and, where it can, what to do about it.
"""

from __future__ import annotations


class DedupError(Exception):
    """Base class for every error dedup raises on purpose."""


class ConfigError(DedupError, ValueError):
    """A configuration value is out of range or inconsistent."""


class InputError(DedupError):
    """One input file could not be read; the scan goes on without it.

    ``path`` names the file and ``reason`` says why, in words a user can act on.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class NoInputError(DedupError):
    """Nothing readable was found in the paths given."""


class OutputError(DedupError):
    """A result could not be written where it was asked to go."""


class CorpusIndexError(DedupError):
    """The corpus index file is missing, corrupt, foreign or from a newer dedup."""
