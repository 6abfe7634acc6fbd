"""Write ``expected.yaml`` for fixture cases from opslint's current findings.

For authoring only: run it on a new case, then READ the file it wrote and check every line
against the fixture before committing — the test trusts it. Usage:

    python scripts/write_fixture_expectations.py fixtures/OPS08-BP02/log-group-retention/x
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from test_fixtures import findings_in


def main(cases: list[str]) -> int:
    for name in cases:
        case = Path(name).resolve()
        findings = findings_in(case)
        header = f"# Findings of {case.parent.parent.name}/{case.parent.name} on this case.\n"
        body = yaml.safe_dump({"findings": findings}, sort_keys=False, width=200)
        (case / "expected.yaml").write_text(header + body, encoding="utf-8")
        print(f"{case}: {len(findings)} findings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
