"""CDK cloud assemblies: stacks, nested stacks and stages read through the manifest, findings
at the app's source line with their construct path, CDK idioms, suppressions, and a fresh
synthesis of the fixture app that must give the same findings."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, REPO

from opslint.cli import main
from opslint.parsers.cdk import expression_end, frame_location

APP = FIXTURES / "cdk" / "orders-app"
TRACING = "OPS04-BP05/lambda-tracing"
RETENTION = "OPS08-BP02/log-group-retention"
DLQ = "OPS08-BP01/sqs-dead-letter-queue"
TEMPLATE = "cdk.out/LegacyStack.template.json"

# What the issue asks for: untraced functions, log groups kept forever and queues without a
# dead-letter queue at the `new ...(...)` lines of app.js, each with its construct path; the
# stack synthesized without stack traces in its template.
EXPECTED = [
    (TRACING, "app.js", 15, "OrderHandlerF9AFA565", "OrdersStack/OrderHandler/Resource"),
    (RETENTION, "app.js", 31, "AuditLogsB945E340", "OrdersStack/AuditLogs/Resource"),
    (DLQ, "app.js", 36, "OrderQueue39B99167", "OrdersStack/OrderQueue/Resource"),
    (
        DLQ,
        "app.js",
        62,
        "InventoryQueueB99B90CB",
        "OrdersStack/Inventory/InventoryQueue/Resource",
    ),
    (TRACING, "app.js", 79, "LabelPrinterEC9AC7A6", "Prod/Shipping/LabelPrinter/Resource"),
    (DLQ, TEMPLATE, 3, "LegacyQueueD780AB95", "LegacyStack/LegacyQueue/Resource"),
]
SUPPRESSED = [
    (DLQ, "app.js", 46, "ReplayQueue391AF092", "OrdersStack/ReplayQueue/Resource"),
    (RETENTION, "app.js", 48, "ExportLogsD40532E3", "OrdersStack/ExportLogs/Resource"),
]


def scan(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cwd: Path,
    *args: str,
    select: str | None = f"{TRACING},{RETENTION},{DLQ}",
) -> dict[str, Any]:
    """Findings of ``select`` (None: every rule) as JSON, scanned from ``cwd``."""
    monkeypatch.chdir(cwd)
    main(["check", *args, "--format", "json", *(["--select", select] if select else [])])
    out = capsys.readouterr().out
    result: dict[str, Any] = json.loads(out)
    return result


def brief(findings: list[dict[str, Any]]) -> list[tuple[str, str, int, str, str]]:
    return [
        (f["rule_id"], f["path"], f["line"], f["resource"], f.get("construct_path", ""))
        for f in findings
    ]


def test_app_folder_reports_at_the_source_lines_with_construct_paths(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = scan(capsys, monkeypatch, APP, ".")
    assert brief(result["findings"]) == EXPECTED
    assert brief(result["suppressed"]) == SUPPRESSED
    # each finding spans the call that made its construct: `new` to the closing parenthesis
    assert [(f["line"], f["end_line"]) for f in result["findings"]] == [
        (15, 19),
        (31, 31),
        (36, 36),
        (62, 62),
        (79, 84),
        (3, 10),
    ]
    for finding in result["findings"]:
        assert finding["framework"] == "cloudformation"


def test_scanning_cdk_out_itself_gives_the_same_findings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = scan(capsys, monkeypatch, APP, "cdk.out")
    assert brief(result["findings"]) == EXPECTED


def test_paths_are_relative_to_the_working_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = scan(capsys, monkeypatch, REPO, "fixtures/cdk/orders-app")
    prefix = "fixtures/cdk/orders-app/"
    assert brief(result["findings"]) == [
        (rule, prefix + path, line, resource, construct)
        for rule, path, line, resource, construct in EXPECTED
    ]


def test_no_finding_is_reported_twice_or_in_the_templates_of_traced_stacks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = scan(capsys, monkeypatch, APP, ".", select=None)
    resource_findings = [f for f in result["findings"] if f["resource"]]
    assert resource_findings
    for finding in resource_findings:
        assert finding["path"] in ("app.js", TEMPLATE), finding
        assert finding["construct_path"], finding
    keys = [(f["rule_id"], f["construct_path"], f["message"]) for f in resource_findings]
    assert len(keys) == len(set(keys))
    # one line made several resources (a function and its role): both are reported there
    at_15 = {f["resource"] for f in resource_findings if f["line"] == 15}
    assert at_15 == {"OrderHandlerF9AFA565", "OrderHandlerServiceRoleB2B92D21"}
    # suppressions in app.js are used once, not once per stack that reads the file
    assert not [f for f in result["findings"] if f["rule_id"].startswith("opslint/")]


def test_cdk_generated_resources_are_out_of_scope(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = scan(capsys, monkeypatch, APP, ".", select=None)
    names = {f["resource"] for f in [*result["findings"], *result["suppressed"]]}
    # the LogRetention handler, its role, CDKMetadata: the CDK makes them, users cannot
    # configure them
    assert not [n for n in names if n.startswith(("LogRetention", "CDKMetadata"))]
    # the function with `logRetention: ONE_MONTH` and tracing on has no logging finding
    report_handler = [f for f in result["findings"] if f["resource"] == "ReportHandlerF72C8EE6"]
    assert {f["rule_id"] for f in report_handler} == {"OPS05-BP05/lambda-runtime-supported"}
    # its stack has no alarm: the one alarm-coverage finding of the stack lists it
    unwatched = [
        f
        for f in result["findings"]
        if f["rule_id"] == "OPS08-BP01/alarm-coverage" and "`ReportHandlerF72C8EE6`" in f["message"]
    ]
    assert [f["resource"] for f in unwatched] == ["OrderHandlerF9AFA565"]


def test_text_sarif_github_and_html_show_the_construct_path(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(APP)
    main(["check", ".", "--select", TRACING, "--no-color"])
    text = capsys.readouterr().out
    assert (
        "app.js:15: warning OPS04-BP05/lambda-tracing Lambda function `OrderHandlerF9AFA565` is "
        'not traced: set `TracingConfig.Mode` to "Active" '
        "[OrderHandlerF9AFA565 OrdersStack/OrderHandler/Resource]"
    ) in text
    main(["check", ".", "--select", TRACING, "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    first = sarif["runs"][0]["results"][0]
    assert first["locations"][0]["logicalLocations"][0] == {
        "name": "OrderHandlerF9AFA565",
        "fullyQualifiedName": "OrdersStack/OrderHandler/Resource",
        "kind": "resource",
    }
    assert first["properties"]["construct_path"] == "OrdersStack/OrderHandler/Resource"
    main(["check", ".", "--select", TRACING, "--format", "github"])
    assert "[OrderHandlerF9AFA565 OrdersStack/OrderHandler/Resource]" in capsys.readouterr().out
    main(["check", ".", "--select", TRACING, "--format", "html"])
    assert (
        "resource <code>OrderHandlerF9AFA565</code> construct "
        "<code>OrdersStack/OrderHandler/Resource</code>"
    ) in capsys.readouterr().out


def test_scanning_writes_nothing_to_the_app(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    before = sorted(p.relative_to(app) for p in app.rglob("*"))
    scan(capsys, monkeypatch, app, ".")
    assert sorted(p.relative_to(app) for p in app.rglob("*")) == before


# --- locations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            "new OrdersStack (/home/runner/app/lib/orders.js:15:5)",
            ("/home/runner/app/lib/orders.js", 15, 5),
        ),
        ("<anonymous> (/app/bin/app.ts:8:1)", ("/app/bin/app.ts", 8, 1)),
        (
            "Object.<anonymous> (C:\\work\\app\\bin\\app.js:3:1)",
            ("C:\\work\\app\\bin\\app.js", 3, 1),
        ),
        ("/app/app.js:12:3", ("/app/app.js", 12, 3)),
        ("new Stack (file:///app/app.mjs:4:7)", ("/app/app.mjs", 4, 7)),
        ("new Stack (/app/app.js:4)", ("/app/app.js", 4, None)),
        ("...new Function2 in aws-cdk-lib...", None),
        ("...node internals...", None),
        ("(no user code in 10 frames, use --stack-trace-limit to capture more)", None),
        ("new Function (/app/node_modules/aws-cdk-lib/aws-lambda/lib/function.js:350:22)", None),
        ("Module._compile (node:internal/modules/cjs/loader:1554:14)", None),
        ("", None),
    ],
)
def test_frame_location(frame: str, expected: tuple[str, int, int | None] | None) -> None:
    assert frame_location(frame) == expected


CALLS = """\
    new sqs.Queue(this, 'Plain');
    const q = new sqs.Queue(this, 'Props', {
      queueName: `orders-${stage} (main`, // a ) in a comment
      /* ) */ visibilityTimeout: cdk.Duration.seconds(60),
      fifo: ')' === "(",
    });
    new sqs.Queue(this, 'Unclosed', {
"""


@pytest.mark.parametrize(
    ("line", "column", "end"),
    [
        (1, 5, 1),  # one line
        (2, 15, 6),  # strings, a template literal, comments and nested calls skipped
        (7, 5, 7),  # never closed: the line itself
        (6, 1, 6),  # no parenthesis on the line
    ],
)
def test_expression_end(line: int, column: int, end: int) -> None:
    starts = [0, *(i + 1 for i, c in enumerate(CALLS) if c == "\n")]
    assert expression_end(CALLS, starts, line, column) == end


def _assembly_with_frames(tmp_path: Path, frames: list[str]) -> Path:
    """A one-queue assembly whose queue was created at ``frames``."""
    out = tmp_path / "cdk.out"
    out.mkdir(parents=True)
    (out / "cdk.out").write_text('{"version":"55.0.0"}')
    (out / "manifest.json").write_text(
        json.dumps(
            {
                "version": "55.0.0",
                "artifacts": {
                    "Q": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "Q.template.json"},
                        "metadata": {
                            "/Q/Queue/Resource": [
                                {"type": "aws:cdk:logicalId", "data": "Queue4A7E3555"},
                                {"type": "aws:cdk:creationStack", "data": frames},
                            ]
                        },
                    }
                },
            }
        )
    )
    (out / "Q.template.json").write_text(
        json.dumps(
            {
                "Resources": {
                    "Queue4A7E3555": {
                        "Type": "AWS::SQS::Queue",
                        "Metadata": {"aws:cdk:path": "Q/Queue/Resource"},
                    }
                }
            },
            indent=1,
        )
    )
    return out


def test_longest_existing_suffix_wins(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = tmp_path / "repo" / "infra"
    (app / "lib").mkdir(parents=True)
    (app / "cdk.json").write_text('{"app": "node bin/app.js"}')
    (app / "lib" / "queue.js").write_text("\n" * 6 + "    new sqs.Queue(this, 'Queue');\n")
    (app / "queue.js").write_text("// a different file with the same name\n" * 10)
    _assembly_with_frames(
        app, ["...new Queue in aws-cdk-lib...", "new Q (/builds/ci/infra/lib/queue.js:7:5)"]
    )
    result = scan(capsys, monkeypatch, tmp_path / "repo", "infra", select=DLQ)
    assert brief(result["findings"]) == [
        (DLQ, "infra/lib/queue.js", 7, "Queue4A7E3555", "Q/Queue/Resource")
    ]


@pytest.mark.parametrize(
    "frames",
    [
        [],  # stack traces off
        ["...new Queue in aws-cdk-lib...", "(no user code in 10 frames)"],
        ["new Q (/builds/ci/infra/lib/missing.js:7:5)"],  # no such file here
        ["new Q (/builds/ci/infra/lib/queue.js:70:5)"],  # the file changed since
    ],
)
def test_without_a_source_frame_the_template_line_is_reported(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    frames: list[str],
) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "queue.js").write_text("new sqs.Queue(this, 'Queue');\n")
    _assembly_with_frames(tmp_path, frames)
    result = scan(capsys, monkeypatch, tmp_path, ".", select=DLQ)
    assert brief(result["findings"]) == [
        (DLQ, "cdk.out/Q.template.json", 3, "Queue4A7E3555", "Q/Queue/Resource")
    ]


# --- the assembly -----------------------------------------------------------------------------


def test_assets_and_unlisted_files_are_never_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = _assembly_with_frames(tmp_path, [])
    asset = out / "asset.0123abcd"
    asset.mkdir()
    template = {"Resources": {"Stray": {"Type": "AWS::SQS::Queue"}}}
    (asset / "template.json").write_text(json.dumps(template))
    (out / "Stray.template.json").write_text(json.dumps(template))
    result = scan(capsys, monkeypatch, tmp_path, ".", select=DLQ)
    assert [f["resource"] for f in result["findings"]] == ["Queue4A7E3555"]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            "{not json",
            "invalid JSON in the cloud assembly: Expecting property name enclosed in double quotes",
        ),
        (
            json.dumps(
                {
                    "artifacts": {
                        "S": {
                            "type": "aws:cloudformation:stack",
                            "properties": {"templateFile": "../../etc/passwd"},
                        }
                    }
                }
            ),
            "stack S: templateFile is missing or outside the assembly",
        ),
        (
            json.dumps(
                {
                    "artifacts": {
                        "S": {
                            "type": "aws:cloudformation:stack",
                            "properties": {"templateFile": "S.template.json"},
                        }
                    }
                }
            ),
            "stack S: cdk.out/S.template.json does not exist",
        ),
    ],
)
def test_a_broken_manifest_is_an_error_finding_not_a_crash(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    manifest: str,
    message: str,
) -> None:
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "manifest.json").write_text(manifest)
    (tmp_path / "template.yaml").write_text("Resources:\n  Other:\n    Type: AWS::SQS::Queue\n")
    result = scan(capsys, monkeypatch, tmp_path, ".", select=DLQ)
    errors = [f for f in result["findings"] if f["rule_id"] == "opslint/parse-error"]
    assert [(f["path"], f["message"]) for f in errors] == [("cdk.out/manifest.json", message)]
    # other files' findings are still reported
    assert [f["resource"] for f in result["findings"] if f["rule_id"] == DLQ] == ["Other"]


def test_a_stage_that_names_itself_is_read_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = _assembly_with_frames(tmp_path, [])
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["artifacts"]["assembly-Self"] = {
        "type": "cdk:cloud-assembly",
        "properties": {"directoryName": "."},
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = scan(capsys, monkeypatch, tmp_path, ".", select=DLQ)
    assert [f["resource"] for f in result["findings"]] == ["Queue4A7E3555"]


# --- a fresh synthesis -------------------------------------------------------------------------


def cdk_or_skip() -> None:
    """The aws-cdk CLI and aws-cdk-lib that .ci/run installs (``npm ci --prefix .ci/cdk``)."""
    tools = REPO / ".ci" / "cdk" / "node_modules"
    if (tools / ".bin" / "cdk").exists() and (tools / "aws-cdk-lib").is_dir():
        return
    if os.environ.get("OPSLINT_REQUIRE_TOOLS"):
        pytest.fail("the aws-cdk CLI and aws-cdk-lib are required (npm ci --prefix .ci/cdk)")
    pytest.skip("the aws-cdk CLI is not installed (npm ci --prefix .ci/cdk)")


def python_cdk_or_skip() -> None:
    """aws-cdk-lib from PyPI (``pip install -e ".[cdk]"``) for the Python app."""
    if importlib.util.find_spec("aws_cdk") is not None:
        return
    if os.environ.get("OPSLINT_REQUIRE_TOOLS"):
        pytest.fail('aws-cdk-lib for Python is required (pip install -e ".[cdk]")')
    pytest.skip('aws-cdk-lib for Python is not installed (pip install -e ".[cdk]")')


@pytest.mark.parametrize("name", ["orders-app", "orders-app-python"])
def test_a_fresh_synthesis_gives_the_same_findings(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
) -> None:
    cdk_or_skip()
    if name.endswith("-python"):
        python_cdk_or_skip()
    committed_app = FIXTURES / "cdk" / name
    app = tmp_path / name
    shutil.copytree(committed_app, app, ignore=shutil.ignore_patterns("cdk.out"))
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "synth_cdk_fixture.py"), "--app", str(app)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (app / "cdk.out" / "manifest.json").is_file()
    assert str(app) not in "".join(p.read_text() for p in (app / "cdk.out").rglob("*.json"))
    fresh = scan(capsys, monkeypatch, app, ".", select=None)
    committed = scan(capsys, monkeypatch, committed_app, ".", select=None)

    def comparable(result: dict[str, Any]) -> list[Any]:
        return [
            (
                f["rule_id"],
                f["path"],
                f["line"],
                f["resource"],
                f.get("construct_path"),
                f["message"],
            )
            for key in ("findings", "suppressed")
            for f in result[key]
            if f["practice_id"] and f["resource"]  # repository rules see another tree
        ]

    assert comparable(fresh) == comparable(committed)
    assert comparable(committed)


def test_a_python_app_is_reported_in_its_templates_with_construct_paths(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CDK records only JavaScript stacks: a Python app has no frame of its own code.
    result = scan(capsys, monkeypatch, FIXTURES / "cdk" / "orders-app-python", ".")
    template = "cdk.out/PyOrdersStack.template.json"
    assert brief(result["findings"]) == [
        (TRACING, template, 37, "OrderHandlerF9AFA565", "PyOrdersStack/OrderHandler/Resource"),
        (RETENTION, template, 59, "AuditLogsB945E340", "PyOrdersStack/AuditLogs/Resource"),
        (DLQ, template, 67, "OrderQueue39B99167", "PyOrdersStack/OrderQueue/Resource"),
    ]
    assert brief(result["suppressed"]) == [
        (DLQ, template, 75, "ReplayQueue391AF092", "PyOrdersStack/ReplayQueue/Resource")
    ]


def test_a_fifo_in_the_assembly_does_not_hang_the_scan(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = _assembly_with_frames(tmp_path, [])
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["artifacts"]["Q"]["additionalMetadataFile"] = "Q.metadata.json"
    (out / "manifest.json").write_text(json.dumps(manifest))
    os.mkfifo(out / "Q.metadata.json")
    result = scan(capsys, monkeypatch, tmp_path, ".", select=DLQ)
    assert [f["resource"] for f in result["findings"]] == ["Queue4A7E3555"]


@pytest.mark.parametrize(
    ("owners", "expected"),
    [
        ("/app.js @org/orders\n", []),
        (
            "/docs/ @org/writers\n",
            [
                "`.github/CODEOWNERS` names no owner for the infrastructure code in `app.js`: "
                "add a rule with an owning team for these paths"
            ],
        ),
    ],
)
def test_codeowners_cover_the_app_source_not_the_ignored_assembly(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    owners: str,
    expected: list[str],
) -> None:
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    (app / ".github").mkdir()
    (app / ".github" / "CODEOWNERS").write_text(owners)
    (app / ".gitignore").write_text("cdk.out/\n")
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "app"]):
        subprocess.run([*git, *command], cwd=app, check=True, capture_output=True)
    result = scan(
        capsys, monkeypatch, app, ".", select="OPS02-BP02/codeowners-cover-infrastructure"
    )
    assert [f["message"] for f in result["findings"]] == expected


def test_one_construct_class_in_two_stacks_is_two_findings_one_suppression(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "node app.js"}')
    (tmp_path / "app.js").write_text(
        "class Orders extends cdk.Stack {\n"
        "  constructor(scope, id) {\n"
        "    super(scope, id);\n"
        "    new sqs.Queue(this, 'Queue'); // opslint:ignore OPS08 -- drained by hand\n"
        "    new sqs.Queue(this, 'Other');\n"
        "  }\n"
        "}\n"
    )
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "cdk.out").write_text("{}")
    artifacts: dict[str, Any] = {}
    for stack in ("OrdersEu", "OrdersUs"):
        metadata = {
            f"/{stack}/{queue}/Resource": [
                {
                    "type": "aws:cdk:creationStack",
                    "data": [f"new Orders (/ci/app.js:{line}:5)", "<anonymous> (/ci/app.js:9:1)"],
                }
            ]
            for queue, line in (("Queue", 4), ("Other", 5))
        }
        artifacts[stack] = {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"{stack}.template.json"},
            "metadata": metadata,
        }
        resources = {
            f"{queue}4A7E3555": {
                "Type": "AWS::SQS::Queue",
                "Metadata": {"aws:cdk:path": f"{stack}/{queue}/Resource"},
            }
            for queue in ("Queue", "Other")
        }
        (out / f"{stack}.template.json").write_text(json.dumps({"Resources": resources}))
    (out / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    result = scan(capsys, monkeypatch, tmp_path, ".", select=DLQ)
    assert brief(result["findings"]) == [
        (DLQ, "app.js", 5, "Other4A7E3555", "OrdersEu/Other/Resource"),
        (DLQ, "app.js", 5, "Other4A7E3555", "OrdersUs/Other/Resource"),
    ]
    assert len({f["fingerprint"] for f in result["findings"]}) == 2
    assert brief(result["suppressed"]) == [
        (DLQ, "app.js", 4, "Queue4A7E3555", "OrdersEu/Queue/Resource"),
        (DLQ, "app.js", 4, "Queue4A7E3555", "OrdersUs/Queue/Resource"),
    ]
