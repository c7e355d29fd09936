"""The one error type users are told about.

Anything raised as a `PapersError` is an expected condition (a bad file, a missing model, a server
that does not answer) and is shown as one line: what failed and what to do. Every other exception
is a bug and keeps its traceback. Each layer subclasses this for its own conditions.
"""
from __future__ import annotations

from pathlib import Path


class PapersError(Exception):
    """A condition the user can act on; str() is the whole message."""

    exit_code = 2  # the CLI's exit status for this kind of failure


class ConfigError(PapersError):
    """A setting (environment variable or option) with a value that cannot work."""


class IngestError(PapersError):
    """A file that cannot be ingested; `reason` is the one-line why, str() names the file."""

    exit_code = 1

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class StateError(PapersError):
    """A stored file of the library that cannot be read; the message names it and the fix."""

    exit_code = 1
