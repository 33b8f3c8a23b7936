"""Exception hierarchy shared by every holonet subpackage."""

from __future__ import annotations


class HolonetError(Exception):
    """Base class of holonet's own exceptions."""


class VerificationError(HolonetError, AssertionError):
    """Raised by the ``assert_*`` twins of :mod:`holonet.verify` when a property fails."""
