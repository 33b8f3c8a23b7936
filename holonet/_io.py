"""Atomic file output: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    If the body raises, the temporary file is removed and ``path`` is untouched,
    so an interrupted run never leaves a half-written file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "x.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "x.txt").read_text()
    'hello'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix,
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600 files; give the result the permissions a plain open() would
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file for writing and rename it onto ``path`` when closed cleanly.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_open(d / "y.json") as fh:
    ...     _ = fh.write("{}")
    >>> (d / "y.json").read_text()
    '{}'
    """
    if "r" in mode and "+" not in mode:
        raise ValueError(f"atomic_open is for writing; got mode {mode!r}")
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


@contextlib.contextmanager
def temporary_env(name: str, value: str) -> Iterator[None]:
    """Set the environment variable ``name`` to ``value`` inside; the caller's value (or its
    absence) is restored afterwards.

    Examples
    --------
    >>> import os
    >>> with temporary_env("HOLONET_EXAMPLE_VAR", "1"):
    ...     os.environ["HOLONET_EXAMPLE_VAR"]
    '1'
    >>> "HOLONET_EXAMPLE_VAR" in os.environ
    False
    """
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


#: argument names whose values :func:`holonet.cli.main` checks as output paths before a
#: subcommand starts its work (``--out``, ``--output``, ``--json PATH``)
OUTPUT_ARGS: tuple[str, ...] = ("out", "output", "json")


def check_output_path(path: str | os.PathLike[str], *, what: str = "output path",
                      kind: str = "file") -> Path:
    """Check, before any work starts, that ``path`` can be written; return it as a Path.

    ``kind`` is ``'file'`` (the path must not be a directory), ``'dir'`` (it must
    not be a file) or ``'any'``. The nearest existing ancestor must be a directory
    in which a file can actually be created (probed with a temporary file that is
    removed at once, so read-only mounts such as ``/proc`` are caught even for
    root); an existing target must be writable. Missing parent directories are
    fine: the atomic writers create them. Raises ``OSError`` (``PermissionError``,
    ``NotADirectoryError``, ``IsADirectoryError``) or ``ValueError`` naming ``what``.

    Every command-line subcommand with an output argument calls this first
    (:func:`holonet.cli.main` does it for arguments named in :data:`OUTPUT_ARGS`;
    :func:`output_file`/:func:`output_dir` do it at parse time).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_path(d / "new" / "report.md").name
    'report.md'
    >>> check_output_path("/proc/nope", what="--out")
    Traceback (most recent call last):
    ...
    PermissionError: --out: cannot write '/proc/nope': cannot create a file in '/proc' ...
    """
    if kind not in ("file", "dir", "any"):
        raise ValueError(f"unknown output kind {kind!r}; expected one of 'file', 'dir', 'any'")
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        raise TypeError(f"{what} must be a path; got {type(path).__name__} {path!r}")
    text = os.fspath(path)
    if not text or "\0" in text:
        raise ValueError(f"{what} must be a non-empty path without NUL bytes; got {text!r}")
    target = Path(text).expanduser()
    if target.exists():
        if kind == "file" and target.is_dir():
            raise IsADirectoryError(f"{what}: {str(target)!r} is a directory; expected a file")
        if kind == "dir" and not target.is_dir():
            raise NotADirectoryError(f"{what}: {str(target)!r} is a file; expected a directory")
    ancestor = target if target.is_dir() else target.parent
    while not ancestor.exists():
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise NotADirectoryError(f"{what}: cannot write {str(target)!r}: {str(ancestor)!r} is "
                                 "not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".holonet-probe.", dir=ancestor)
    except OSError as exc:
        raise PermissionError(f"{what}: cannot write {str(target)!r}: cannot create a file in "
                              f"{str(ancestor)!r} ({exc.strerror or exc})") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    if target.is_file() and not os.access(target, os.W_OK):
        raise PermissionError(f"{what}: {str(target)!r} exists and is not writable")
    return target


def output_file(text: str) -> Path:
    """``argparse`` type for an output file: checked at parse time (see :func:`check_output_path`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> output_file(str(pathlib.Path(tempfile.mkdtemp()) / "x.json")).suffix
    '.json'
    """
    return _argparse_checked(text, "file")


def output_dir(text: str) -> Path:
    """``argparse`` type for an output directory, checked at parse time.

    Examples
    --------
    >>> import tempfile
    >>> output_dir(tempfile.mkdtemp()).is_dir()
    True
    """
    return _argparse_checked(text, "dir")


def _argparse_checked(text: str, kind: str) -> Path:
    import argparse

    try:
        return check_output_path(text, what="output path", kind=kind)
    except (OSError, ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
