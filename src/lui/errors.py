"""The one exception the CLI turns into a short, plain refusal, and the one translation of
every other I/O, database or file-format failure into such a refusal."""

from __future__ import annotations

import errno

# What an operating-system error number means for the person running lui.
OS_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or directory",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "not a directory",
    errno.EIO: "input/output error (a failing disk or a lost network mount?)",
    errno.ENOMEM: "out of memory",
}
# The same reasons as text inside a library's message (DuckDB and Arrow report I/O failures
# as their own exceptions whose text carries the operating system's words).
TEXT_REASONS = {
    "no space left on device": OS_REASONS[errno.ENOSPC],
    "read-only file system": OS_REASONS[errno.EROFS],
    "permission denied": OS_REASONS[errno.EACCES],
    "disk quota exceeded": OS_REASONS[errno.EDQUOT],
    "out of memory": OS_REASONS[errno.ENOMEM],
    "could not allocate": OS_REASONS[errno.ENOMEM],
    "could not read enough bytes": "a database file is damaged or truncated",
    "not a valid duckdb database": "a database file is damaged or is not a DuckDB file",
}


class LuiError(Exception):
    """A problem with the user's input or environment, reported without a traceback.

    The message says what is wrong and, where it can, what to do about it.
    """

    exit_code = 2


def first_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message (its type when it has none)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def reason(error: BaseException) -> str:
    """One line saying what went wrong, for any failure that is not already a LuiError."""
    if isinstance(error, LuiError):
        return str(error)
    if isinstance(error, MemoryError):
        return OS_REASONS[errno.ENOMEM]
    if isinstance(error, OSError) and error.errno in OS_REASONS:
        where = error.filename or ""
        return f"{OS_REASONS[error.errno]}{f': {where}' if where else ''}"
    text = first_line(error)
    lowered = text.lower()
    for marker, meaning in TEXT_REASONS.items():
        if marker in lowered:
            return f"{meaning} ({text})"
    return f"{text} ({type(error).__name__})"


def as_lui_error(error: BaseException, context: str) -> LuiError:
    """`error` as a LuiError: `context` (what lui was doing), then the reason."""
    return LuiError(f"{context}: {reason(error)}")
