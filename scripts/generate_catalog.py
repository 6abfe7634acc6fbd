"""Generate opslint/data/practices.json from the practice seed markdown.

Usage: python scripts/generate_catalog.py [SEED_MD]

SEED_MD defaults to ../shared/seed/operational-excellence-practices.md, relative to the
repository root. Parsing is done by opslint.catalog.parse_seed, the same parser the tests use.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = REPO_ROOT.parent / "shared" / "seed" / "operational-excellence-practices.md"
OUTPUT = REPO_ROOT / "opslint" / "data" / "practices.json"

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from opslint.catalog import parse_seed, render_catalog_json  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1:
        print(f"usage: {Path(sys.argv[0]).name} [SEED_MD]", file=sys.stderr)
        return 2
    seed = Path(args[0]) if args else DEFAULT_SEED
    try:
        text = seed.read_text(encoding="utf-8")
        practices = parse_seed(text)
    except (OSError, ValueError) as exc:
        print(f"error: {seed}: {exc}", file=sys.stderr)
        return 1
    OUTPUT.write_text(render_catalog_json(practices, seed.name), encoding="utf-8", newline="\n")
    print(f"wrote {len(practices)} practices to {OUTPUT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
