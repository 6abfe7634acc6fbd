"""Benchmark CDK cloud assemblies: a synthetic app of many stacks, scanned as an assembly
(source lines from creation stacks, paths mapped by suffix) against the same templates
scanned as plain CloudFormation. Not part of the test suite; run it on purpose:

    python bench/cdk.py [--stacks 100 --resources 20 --jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import measure

ELSEWHERE = "/home/ci/build/app"


def generate(root: Path, stacks: int, resources: int) -> Path:
    """An app folder with ``cdk.json``, one source file per stack and ``cdk.out``."""
    app = root / "app"
    out = app / "cdk.out"
    (app / "lib").mkdir(parents=True)
    out.mkdir()
    (app / "cdk.json").write_text('{"app": "node bin/app.js"}')
    (out / "cdk.out").write_text('{"version":"55.0.0"}')
    artifacts: dict[str, object] = {}
    for s in range(stacks):
        name = f"Stack{s}"
        lines = [f"class {name} extends cdk.Stack {{"]
        template: dict[str, dict[str, object]] = {"Resources": {}}
        metadata: dict[str, list[dict[str, object]]] = {}
        for r in range(resources):
            logical = f"Queue{r}ABCDEF{s:02d}"
            construct = f"{name}/Queue{r}/Resource"
            lines.append(f"    new sqs.Queue(this, 'Queue{r}');")
            template["Resources"][logical] = {
                "Type": "AWS::SQS::Queue",
                "Properties": {"VisibilityTimeout": 60},
                "Metadata": {"aws:cdk:path": construct},
            }
            metadata["/" + construct] = [
                {"type": "aws:cdk:logicalId", "data": logical},
                {
                    "type": "aws:cdk:creationStack",
                    "data": [
                        "...new Queue2 in aws-cdk-lib...",
                        f"new {name} ({ELSEWHERE}/lib/stack{s}.js:{len(lines)}:5)",
                        f"<anonymous> ({ELSEWHERE}/bin/app.js:{s + 3}:1)",
                        "...node internals...",
                    ],
                },
            ]
        lines.append("}")
        (app / "lib" / f"stack{s}.js").write_text("\n".join(lines) + "\n")
        (out / f"{name}.template.json").write_text(json.dumps(template, indent=1))
        (out / f"{name}.metadata.json").write_text(json.dumps(metadata, indent=1))
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"{name}.template.json"},
            "additionalMetadataFile": f"{name}.metadata.json",
        }
    (out / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stacks", type=int, default=100)
    parser.add_argument("--resources", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        app = generate(root, args.stacks, args.resources)
        plain = root / "plain"
        plain.mkdir()
        for template in (app / "cdk.out").glob("*.template.json"):
            shutil.copy(template, plain / template.name)
        common = ["check", "--format", "json", "--output", os.devnull, "--jobs", str(args.jobs)]
        total = args.stacks * args.resources
        for label, path in (("plain templates", plain), ("CDK assembly", app)):
            wall, _, peak, _ = measure([*common, str(path)], root)
            print(
                f"{label:16} {args.stacks} stacks, {total} resources: {wall:.2f} s, "
                f"{args.stacks / wall:.0f} stacks/s, peak {peak:.0f} MiB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
