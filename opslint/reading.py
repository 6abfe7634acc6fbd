"""Read a file from the scanned tree without ever blocking or reading it whole by surprise.

Only regular files are read: a named pipe would block the run forever, a device such as
``/dev/zero`` never ends. The file is opened without blocking and checked on the open handle
(``fstat``), so a file swapped for a pipe after discovery is still refused; then at most its
size at that moment is read, and a file over the size limit is not read at all.
"""

from __future__ import annotations

import os
import stat

DEFAULT_MAX_FILE_SIZE = 5_000_000
"""Files larger than this (bytes) are skipped with a note (``max-file-size`` to change)."""

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFile(OSError):
    """The file is not a regular file, or larger than the limit; ``str()`` says which."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large

    def __str__(self) -> str:
        return self.reason


def kind_of(mode: int) -> str | None:
    """What a file that is not regular is (``a named pipe``); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def size_text(size: int) -> str:
    """``5.2 MB`` (decimal units, one decimal)."""
    if size < 1000:
        return f"{size} bytes"
    for unit in ("kB", "MB", "GB", "TB"):
        size_f = size / 1000
        if size_f < 1000 or unit == "TB":
            return f"{size_f:.1f} {unit}"
        size = int(size_f)
    return f"{size} bytes"  # pragma: no cover - the loop always returns


def too_large_message(size: int, limit: int) -> str:
    return (
        f"file is {size_text(size)}, over the {size_text(limit)} limit (max-file-size); not checked"
    )


def read_regular(
    path: str, limit: int | None = DEFAULT_MAX_FILE_SIZE, head: int | None = None
) -> bytes:
    """The bytes of the regular file at ``path`` (links followed), at most its first
    ``head`` bytes when given.

    Raises :class:`UnreadableFile` for anything else or a file over ``limit`` bytes (None:
    no limit), and ``OSError`` when it cannot be opened.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        kind = kind_of(info.st_mode)
        if kind is not None:
            raise UnreadableFile(f"{kind}, not a regular file; not read")
        if limit is not None and info.st_size > limit:
            raise UnreadableFile(too_large_message(info.st_size, limit), too_large=True)
        chunks: list[bytes] = []
        # what the file held when opened: a growing file is not chased
        left = info.st_size if head is None else min(head, info.st_size)
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "UnreadableFile",
    "kind_of",
    "read_regular",
    "size_text",
    "too_large_message",
]
