"""Hostile input (anything a pull request can put in a repository): no hang, no crash, no
lost finding, nothing injected into the output. Cases that could hang run in a child
process with a timeout; the others call the command line in this process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO

from opslint import sanitize
from opslint.cli import main
from opslint.reading import UnreadableFile, read_regular

RETENTION = "OPS08-BP02/log-group-retention"
GOOD_TF = 'resource "aws_cloudwatch_log_group" "kept" {\n  name = "/kept"\n}\n'
GOOD_CFN = "Resources:\n  Kept:\n    Type: AWS::Logs::LogGroup\n"
KEPT = (RETENTION, "good/main.tf", 1)


def opslint(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """opslint in a child process: a hang fails the test instead of stopping the suite, and
    leaves no parser worker behind (the whole process group is killed)."""
    command = [sys.executable, "-m", "opslint", *args]
    with subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="surrogateescape",
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)},
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"opslint {' '.join(args)} did not finish within {timeout} s")
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def run_here(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    """opslint in this process, in ``root``."""
    before = os.getcwd()
    os.chdir(root)
    try:
        code = main(list(args))
    finally:
        os.chdir(before)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def findings(stdout: str) -> list[tuple[str, str, int]]:
    return [(f["rule_id"], f["path"], f["line"]) for f in json.loads(stdout)["findings"]]


def good_tree(root: Path) -> None:
    (root / "good").mkdir(parents=True, exist_ok=True)
    (root / "good" / "main.tf").write_text(GOOD_TF, encoding="utf-8")


# --- 1. hangs ---------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipes_are_skipped_in_a_walk_and_reported_when_named(tmp_path: Path) -> None:
    good_tree(tmp_path)
    for name in ("good/pipe.tf", "good/pipe.yaml", "good/Makefile", ".gitignore"):
        os.mkfifo(tmp_path / name)
    walked = opslint("check", ".", "--format", "json", "--select", RETENTION, cwd=tmp_path)
    assert walked.returncode == 1, walked.stderr
    assert findings(walked.stdout) == [KEPT]
    named = opslint("check", "good/pipe.yaml", "good/main.tf", "--format", "json", cwd=tmp_path)
    assert named.returncode == 1, named.stderr
    assert (
        "opslint/io-error",
        "good/pipe.yaml",
        1,
    ) in findings(named.stdout)
    assert KEPT in findings(named.stdout)
    message = json.loads(named.stdout)["findings"]
    assert {f["message"] for f in message if f["path"] == "good/pipe.yaml"} == {
        "a named pipe, not a regular file; not read"
    }


def test_a_link_to_an_enclosing_folder_through_a_linked_root_does_not_walk_it(
    tmp_path: Path,
) -> None:
    good_tree(tmp_path / "real")
    (tmp_path / "root").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real" / "good" / "to-slash").symlink_to("/", target_is_directory=True)
    (tmp_path / "real" / "up").symlink_to("..", target_is_directory=True)
    done = opslint("check", "root", "--format", "json", "--select", RETENTION, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert sorted(findings(done.stdout)) == [
        (RETENTION, "root/good/main.tf", 1),
        ("opslint/symlink-loop", "root/good/to-slash", 1),
        ("opslint/symlink-loop", "root/up", 1),
    ]


def test_folder_links_leading_outside_the_scan_are_noted_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good_tree(tmp_path / "repo")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "main.tf").write_text(GOOD_TF, encoding="utf-8")
    (tmp_path / "repo" / "shared").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "repo" / "inside").symlink_to("good", target_is_directory=True)
    code, out, _ = run_here(
        capsys, tmp_path / "repo", "check", ".", "--format", "json", "--select", RETENTION
    )
    assert code == 1
    assert findings(out) == [
        KEPT,
        ("opslint/symlink-loop", "inside", 1),  # walked already as good/
        ("opslint/outside-link", "shared", 1),
    ]


# --- 3. crashes -------------------------------------------------------------------------------

NOT_UTF8 = os.fsdecode(b"d\xff")  # the name Python gives a folder named with byte 0xFF


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "markdown", "junit", "html"])
def test_names_that_are_not_utf8_do_not_break_any_reporter(tmp_path: Path, fmt: str) -> None:
    good_tree(tmp_path)
    folder = tmp_path / NOT_UTF8
    folder.mkdir()
    (folder / os.fsdecode(b"m\xfe.tf")).write_text(GOOD_TF, encoding="utf-8")
    done = opslint("check", ".", "--format", fmt, "--select", RETENTION, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    shown = {
        "sarif": "d%FF/m%FE.tf",
        "markdown": "d%FF/m%FE.tf#L1-L3",
    }.get(fmt, "d\\xff/m\\xfe.tf")
    if fmt == "json":
        assert (RETENTION, "d\\xff/m\\xfe.tf", 1) in findings(done.stdout)
    else:
        assert shown in done.stdout
    assert "good/main.tf" in done.stdout


def test_a_non_utf8_name_still_fingerprints_and_baselines(tmp_path: Path) -> None:
    folder = tmp_path / NOT_UTF8
    folder.mkdir()
    (folder / "main.tf").write_text(GOOD_TF, encoding="utf-8")
    recorded = opslint("check", ".", "--write-baseline", "base.json", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    again = opslint("check", ".", "--baseline", "base.json", "--format", "json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["findings"] == []


DEEP_YAML = "select: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_TOML = "[tool.opslint]\nselect = " + "[" * 5000 + "]" * 5000 + "\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (".opslint.yaml", DEEP_YAML, ".opslint.yaml: nested too deeply to be a configuration"),
        ("pyproject.toml", DEEP_TOML, "pyproject.toml: nested too deeply to be a configuration"),
        (".opslint.yaml", b"select: []\nignore: [\xff]\n", ".opslint.yaml:2: not valid UTF-8"),
        (
            "pyproject.toml",
            b'[tool.opslint]\nselect = ["\xff"]\n',
            "pyproject.toml:2: not valid UTF-8",
        ),
    ],
)
def test_a_configuration_too_deep_or_not_utf8_is_a_configuration_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | bytes,
    message: str,
) -> None:
    good_tree(tmp_path)
    data = content if isinstance(content, bytes) else content.encode()
    (tmp_path / name).write_bytes(data)
    code, out, err = run_here(capsys, tmp_path, "check", ".")
    assert (code, out) == (2, "")
    assert err == f"opslint: error: {message}\n"


def test_a_baseline_too_deep_or_a_pipe_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good_tree(tmp_path)
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, _, err = run_here(capsys, tmp_path, "check", ".", "--baseline", "deep.json")
    assert (code, err) == (2, "opslint: error: deep.json: the baseline is nested too deeply\n")


def test_a_template_nested_too_deeply_is_its_own_parse_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good_tree(tmp_path)
    (tmp_path / "good" / "template.yaml").write_text(GOOD_CFN, encoding="utf-8")
    deep = "[" * 10_000 + "]" * 10_000
    (tmp_path / "deep.yaml").write_text(
        f"Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      X: {deep}\n",
        encoding="utf-8",
    )
    (tmp_path / "deep.json").write_text(
        '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": {"X": '
        + "[" * 600
        + "]" * 600
        + "}}}}",
        encoding="utf-8",
    )
    code, out, _ = run_here(
        capsys, tmp_path, "check", ".", "--format", "json", "--select", RETENTION
    )
    assert code == 1
    document = json.loads(out)
    assert findings(out) == [
        ("opslint/parse-error", "deep.json", 1),
        ("opslint/parse-error", "deep.yaml", 5),
        KEPT,
        (RETENTION, "good/template.yaml", 2),
    ]
    messages = {f["path"]: f["message"] for f in document["findings"]}
    assert messages["deep.json"] == "invalid template: nested too deeply to read"
    assert messages["deep.yaml"] == "invalid template: exceeded maximum nesting depth"


def test_values_nested_too_deeply_are_unknown_not_a_crashed_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON strings inside attributes (dashboard bodies, redrive policies, container
    definitions, tags) and a samconfig.toml nested past the recursion limit: the rules that
    decode them see an unknown value, and no rule fails."""
    deep = "[" * 50_000 + "]" * 50_000
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Kept:\n    Type: AWS::Logs::LogGroup\n"
        f"  Dash:\n    Type: AWS::CloudWatch::Dashboard\n    Properties:\n"
        f"      DashboardBody: '{deep}'\n"
        f"  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy: '{deep}'\n"
        f"  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n"
        f"      ContainerDefinitions: '{deep}'\n"
        f"  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      Runtime: python3.12\n      Handler: x.y\n      CodeUri: .\n      Tags: '{deep}'\n",
        encoding="utf-8",
    )
    (tmp_path / "samconfig.toml").write_text(
        "[default]\nx = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8"
    )
    code, out, _ = run_here(capsys, tmp_path, "check", ".", "--format", "json")
    assert code == 1
    found = findings(out)
    assert [f for f in found if f[0].startswith("opslint/")] == []
    assert (RETENTION, "template.yaml", 3) in found


# --- 4. size ----------------------------------------------------------------------------------


def test_files_over_the_size_limit_are_noted_and_never_read(tmp_path: Path) -> None:
    good_tree(tmp_path)
    for name in ("huge.tf", "good/huge.yaml", "huge.tf.json"):
        with open(tmp_path / name, "wb") as handle:
            handle.truncate(200_000_000)  # sparse: 200 MB that take no disk
    script = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(done.stdout)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            sys.executable,
            "-m",
            "opslint",
            "check",
            ".",
            "--format",
            "json",
            "--select",
            RETENTION,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    peak_mib = int(done.stderr.split()[-1]) / 1024
    assert peak_mib < 300, peak_mib  # the 200 MB files were not read
    document = json.loads(done.stdout)
    assert findings(done.stdout) == [
        ("opslint/file-too-large", "good/huge.yaml", 1),
        KEPT,
        ("opslint/file-too-large", "huge.tf", 1),
        ("opslint/file-too-large", "huge.tf.json", 1),
    ]
    notes = {f["severity"] for f in document["findings"] if f["rule_id"] != RETENTION}
    assert notes == {"note"}
    assert document["findings"][0]["message"] == (
        "file is 200.0 MB, over the 5.0 MB limit (max-file-size); not checked"
    )


def test_the_size_limit_is_configurable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good_tree(tmp_path)
    size = len(GOOD_TF)
    code, out, _ = run_here(
        capsys, tmp_path, "check", ".", "--format", "json", "--max-file-size", str(size - 1)
    )
    assert findings(out) == [("opslint/file-too-large", "good/main.tf", 1)]
    assert code == 0  # a note does not fail the run
    (tmp_path / ".opslint.yaml").write_text(f"max-file-size: {size}\n", encoding="utf-8")
    code, out, _ = run_here(
        capsys, tmp_path, "check", ".", "--format", "json", "--select", RETENTION
    )
    assert findings(out) == [KEPT]
    (tmp_path / ".opslint.yaml").write_text("max-file-size: 5MB\n", encoding="utf-8")
    code, _, err = run_here(capsys, tmp_path, "check", ".")
    assert (code, err) == (
        2,
        "opslint: error: .opslint.yaml: `max-file-size` must be a whole number of bytes "
        "(at least 1)\n",
    )


def test_read_regular_refuses_what_is_not_a_regular_file_and_bounds_the_rest(
    tmp_path: Path,
) -> None:
    with pytest.raises(UnreadableFile, match="a folder, not a regular file"):
        read_regular(str(tmp_path))
    if os.path.exists("/dev/zero"):
        with pytest.raises(UnreadableFile, match="a character device"):
            read_regular("/dev/zero")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")
        with pytest.raises(UnreadableFile, match="a named pipe"):
            read_regular(str(tmp_path / "pipe"))  # no writer: this would block if opened
    (tmp_path / "f").write_bytes(b"0123456789")
    assert read_regular(str(tmp_path / "f"), head=4) == b"0123"
    with pytest.raises(UnreadableFile, match="over the 9 bytes limit") as raised:
        read_regular(str(tmp_path / "f"), limit=9)
    assert raised.value.too_large


# --- 6. output injection ----------------------------------------------------------------------

ANSI_NAME = "x\x1b]0;pwned\x07\x1b[2J"
INJECTING_CFN = 'Resources:\n  "L\\e[31mog\\n::error::x\\u202e":\n    Type: AWS::Logs::LogGroup\n'


@pytest.mark.parametrize("fmt", ["text", "github", "markdown", "junit", "html"])
def test_control_characters_from_the_scan_never_reach_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    (tmp_path / ANSI_NAME).mkdir()
    (tmp_path / ANSI_NAME / "main.tf").write_text(GOOD_TF, encoding="utf-8")
    (tmp_path / "t.yaml").write_text(INJECTING_CFN, encoding="utf-8")
    (tmp_path / "::warning::x.tf").write_text(GOOD_TF, encoding="utf-8")
    code, out, err = run_here(
        capsys, tmp_path, "check", ".", "--format", fmt, "--select", RETENTION
    )
    assert (code, err) == (1, "")
    for bad in ("\x1b", "\x07", "\u202e"):
        assert bad not in out
    lines = out.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    if fmt == "github":
        assert len(commands) == 3
        assert all(line.startswith("::warning file=") for line in commands)
        assert "x\\x1b]0;pwned\\x07\\x1b[2J/main.tf" in out
    else:
        assert commands == []
    if fmt == "text":
        assert "./::warning::x.tf:1: warning" in out
        assert "Log group `L\\x1b[31mog\\x0a::error::x\\u202e` never expires" in out


def test_stderr_never_carries_a_line_from_the_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good_tree(tmp_path)
    (tmp_path / ".opslint.yaml").write_text('"\\n::error::injected\\e[2J": 1\n', encoding="utf-8")
    code, out, err = run_here(capsys, tmp_path, "check", ".")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(
        "opslint: error: .opslint.yaml: unknown key `\\x0a::error::injected\\x1b[2J`"
    )


def test_sanitize() -> None:
    assert sanitize.escape("a\tb\nc\r\x1b[0m\x7f\x85\u2028\u202e\u2066 ok ✓") == (
        "a\\x09b\\x0ac\\x0d\\x1b[0m\\x7f\\x85\\u2028\\u202e\\u2066 ok ✓"
    )
    assert sanitize.escape(os.fsdecode(b"\xff") + "\ud800") == "\\xff\\ud800"
    assert sanitize.path("::error::x") == "./::error::x"
    assert sanitize.path("a::b") == "a::b"
    assert sanitize.encodable({"k\udcff": ["v\udcfe", 1, "\x1b"]}) == {
        "k\\xff": ["v\\xfe", 1, "\x1b"]
    }
    assert sanitize.uri_path(os.fsdecode(b"d\xff/a b.tf")) == "d%FF/a%20b.tf"
    assert sanitize.uri_path("\ud800") == "%5Cud800"


def test_pyproject_is_still_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good_tree(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.opslint]\nselect = ["{RETENTION}"]\n', encoding="utf-8"
    )
    tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
    code, out, _ = run_here(capsys, tmp_path, "check", ".", "--format", "json")
    assert (code, findings(out)) == (1, [KEPT])
