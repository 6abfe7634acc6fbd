"""Fuzzing: mutated fixtures under hostile names never crash opslint, never hide another
file's finding, never reach the output unescaped and never change the scanned tree.

Each example copies one fixture file (Terraform, CloudFormation/SAM, JSON), mutates its
bytes (flips, deletions, truncation, repeats, and inserted hostile snippets: control
characters, workflow commands, deep nesting, invalid UTF-8, NUL bytes, tags of other tools),
names it with a hostile name, and scans it beside a folder with one known finding, in this
process. ``OPSLINT_FUZZ_EXAMPLES`` sets the number of examples (CI: about a minute's worth).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

from conftest import EXAMPLES, FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opslint.cli import main

RETENTION = "OPS08-BP02/log-group-retention"
GOOD_TF = 'resource "aws_cloudwatch_log_group" "kept" {\n  name = "/kept"\n}\n'
KEPT = (RETENTION, "good/main.tf", 1)
SOURCES = sorted(
    path
    for folder in (FIXTURES, EXAMPLES)
    for path in folder.rglob("*")
    if path.is_file()
    and path.name.endswith((".tf", ".tf.json", ".tfvars", ".yaml", ".yml", ".json", ".template"))
    and path.stat().st_size < 20_000
)
SNIPPETS = (
    b"\x1b[2J\x1b]0;title\x07",
    b"\n::error file=x::injected\n",
    b"\r\n%0A::warning::x",
    b"\x00",
    b"\xff\xfe\xc3",
    "\u202e\u2066\u2028\x85".encode(),
    b"[" * 3000,
    b"{" * 3000,
    b'{"a":' * 600,
    b"- " * 400,
    b"!Rain::Module vpc.yml",
    b"Type: !Rain::Module x\n",
    b"&anchor [1] *anchor *missing",
    b"${",
    b"<<EOF\n",
    b'"\\ud800"',
    b"# opslint:ignore OPS08 \x1b[31m",
    b"\t\t\t",
    b"Resources:\n",
    b'resource "aws_cloudwatch_log_group" "x" {\n',
)
NAMES = (
    None,  # keep the fixture's name
    b"\x1b[2J\x1b]0;pwned\x07",
    b"::error::x",
    b"\xff\xfe",
    b"a\nb",
    "\u202e".encode(),
)

mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(SNIPPETS)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(max_size=16)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 200)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("repeat"), st.floats(0, 1), st.integers(2, 50)),
)


def mutate(data: bytes, steps: list[tuple[str, float, object]]) -> bytes:
    for kind, where, arg in steps:
        at = int(where * len(data))
        if kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([int(str(arg))]) + data[at + 1 :]
        elif kind == "insert":
            assert isinstance(arg, bytes)
            data = data[:at] + arg + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + int(str(arg)) :]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "repeat":
            line_end = data.find(b"\n", at)
            line = data[at : line_end + 1 if line_end >= 0 else len(data)]
            data = data[:at] + line * int(str(arg)) + data[at:]
    return data


def snapshot(root: Path) -> dict[bytes, str]:
    """Every entry below ``root``: its kind and, for a file, a hash of its bytes."""
    seen: dict[bytes, str] = {}
    for folder, dirs, files in os.walk(os.fsencode(root)):
        for name in dirs:
            seen[os.path.join(folder, name)] = "dir"
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                seen[path] = hashlib.sha256(handle.read()).hexdigest()
    return seen


def examples() -> int:
    default = 120 if os.environ.get("CI") else 12
    return int(os.environ.get("OPSLINT_FUZZ_EXAMPLES", default))


@settings(
    max_examples=examples(),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    source=st.sampled_from(SOURCES),
    steps=st.lists(mutation, min_size=1, max_size=4),
    name=st.sampled_from(NAMES),
    fmt=st.sampled_from(["text", "github", "markdown", "junit", "html", "sarif"]),
)
def test_mutated_fixtures_never_crash_or_hide_findings(
    source: Path, steps: list[tuple[str, float, object]], name: bytes | None, fmt: str
) -> None:
    data = mutate(source.read_bytes(), steps)
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as out:
        root = Path(tmp)
        (root / "good").mkdir()
        (root / "good" / "main.tf").write_text(GOOD_TF, encoding="utf-8")
        folder = os.path.join(os.fsencode(root), b"victim")
        os.mkdir(folder)
        suffix = (
            "".join(source.suffixes[-2:]) if source.name.endswith(".tf.json") else source.suffix
        )
        filename = os.fsencode(source.name) if name is None else name + os.fsencode(suffix)
        with open(os.path.join(folder, filename), "wb") as handle:
            handle.write(data)
        before = snapshot(root)
        report, human = Path(out) / "report.json", Path(out) / f"report.{fmt}"
        stderr = io.StringIO()
        cwd = os.getcwd()
        os.chdir(root)
        try:
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                code = main(
                    [
                        "check",
                        ".",
                        "--jobs",
                        "1",
                        "--format",
                        f"json:{report}",
                        "--format",
                        f"{fmt}:{human}",
                    ]
                )
        finally:
            os.chdir(cwd)
        assert stderr.getvalue() == "", stderr.getvalue()
        assert code in (0, 1)
        found = json.loads(report.read_text(encoding="utf-8"))["findings"]
        assert KEPT in [(f["rule_id"], f["path"], f["line"]) for f in found]
        assert snapshot(root) == before, "the scan changed the scanned tree"
        text = human.read_text(encoding="utf-8")
        if fmt != "sarif":
            assert "\x1b" not in text and "\u202e" not in text
            commands = [line for line in text.splitlines() if line.startswith("::")]
            assert fmt == "github" or commands == []
            assert all(
                line.startswith(("::error file=", "::warning file=", "::notice file="))
                for line in commands
            )
