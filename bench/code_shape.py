"""The shape of the code base, for comparing two checkouts: lines per rule file (median),
rules on the declarative path (``checks = (Expect(...),)``), modules over 400 lines.

    python bench/code_shape.py [CHECKOUT ...]   (default: this one)

Reads the files only (rules are recognised by their ``checks =`` / ``Expect(`` text), so
an older checkout can be measured without installing it.
"""

from __future__ import annotations

import re
import statistics
import sys
from pathlib import Path

LONG_MODULE = 400
DECLARATIVE = re.compile(r"^    checks = ", re.M)


def shape(root: Path) -> dict[str, object]:
    rules = sorted((root / "rules").glob("OPS*/*.py"))
    lengths = [len(path.read_text(encoding="utf-8").splitlines()) for path in rules]
    declarative = [
        path.stem for path in rules if DECLARATIVE.search(path.read_text(encoding="utf-8"))
    ]
    modules = {
        str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
        for path in (root / "opslint").rglob("*.py")
    }
    long = {name: n for name, n in sorted(modules.items()) if n > LONG_MODULE}
    return {
        "rules": len(rules),
        "median lines per rule file": statistics.median(lengths),
        "rules on the declarative path": len(declarative),
        "declarative rules": declarative,
        f"modules over {LONG_MODULE} lines": len(long),
        "long modules": long,
    }


def main(argv: list[str]) -> int:
    for checkout in argv or ["."]:
        print(checkout)
        for key, value in shape(Path(checkout)).items():
            print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
