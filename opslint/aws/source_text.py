"""Whether a value is written in a resource's own text, or resolved from elsewhere.

The model resolves variables, ``*.tfvars`` and parameter defaults into plain values, which is
what most rules want. Rules about literals (a hard-coded account ID, AMI ID) must not report
a value that came from a variable or parameter: that is the fix they ask for. Until values
carry their provenance, these rules check that the literal text appears on the lines where
the attribute is written.
"""

from __future__ import annotations

from pathlib import Path as FilePath

from opslint.model import Path, Resource


class SourceText:
    """Reads each file once (per check) and gives the text of an attribute's lines."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def lines_of(self, resource: Resource, path: Path) -> str:
        """The text of the lines the value at ``path`` is written on (the nearest written
        ancestor's lines); empty when the file cannot be read."""
        if resource.path not in self._lines:
            try:
                text = FilePath(resource.path).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                text = ""
            self._lines[resource.path] = text.splitlines()
        lines = self._lines[resource.path]
        span = resource.location(path)
        return "\n".join(lines[span.line - 1 : span.end_line])

    def written(self, resource: Resource, path: Path, literal: str) -> bool:
        """True when ``literal`` appears where the value at ``path`` is written."""
        return literal in self.lines_of(resource, path)
