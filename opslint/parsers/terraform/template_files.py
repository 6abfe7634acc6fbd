"""``templatefile()``: the template files a module reads, read safely.

A template is read only when its path is known, it lies inside the scan root (links
resolved), it is a regular file within the size limit and it is UTF-8 text; anything else
makes the call an explicit unknown with the reason, never an exception. Each file is read
once per module parse (a module called many times reads its templates once).
"""

from __future__ import annotations

import os

from opslint.model import Unknown
from opslint.reading import DEFAULT_MAX_FILE_SIZE, UnreadableFile, read_regular

MAX_TEMPLATE_SIZE = 1_000_000
"""Template files larger than this (bytes) are not read: the call is unknown."""


class TemplateFiles:
    """The template files of one scan, read once each."""

    def __init__(self, root: str, limit: int = min(MAX_TEMPLATE_SIZE, DEFAULT_MAX_FILE_SIZE)):
        self.root = os.path.realpath(root or ".")
        self.limit = limit
        self._texts: dict[str, str | Unknown] = {}

    def text(self, path: str) -> str | Unknown:
        """The template's text, or an Unknown saying why it was not read."""
        if path not in self._texts:
            self._texts[path] = self._read(path)
        return self._texts[path]

    def _read(self, path: str) -> str | Unknown:
        source = f"templatefile({path!r})"
        real = os.path.realpath(path)
        if os.path.commonpath([real, self.root]) != self.root:
            return Unknown("templatefile: the template is outside the scanned folder", source)
        try:
            data = read_regular(real, self.limit)
        except UnreadableFile as exc:
            return Unknown(f"templatefile: {exc}", source)
        except OSError as exc:
            return Unknown(f"templatefile: cannot read the template ({exc.strerror})", source)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return Unknown("templatefile: the template is not UTF-8 text", source)
