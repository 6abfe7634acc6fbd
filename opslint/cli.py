"""Command line: ``opslint check``, ``rules``, ``explain``, ``practices``.

Exit codes: 0 no finding at or above ``--fail-on``; 1 such findings (unparseable input is an
``error`` finding); 2 usage or configuration error, or opslint itself failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from opslint import __version__

if TYPE_CHECKING:
    from opslint.result import Result

COMMANDS = ("check", "rules", "explain", "practices")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Wrong arguments or settings (exit 2)."""


def _variable(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise UsageError(f"--var {text!r}: expected NAME=VALUE")
    return name.strip(), value


def _split(values: list[str] | None) -> tuple[str, ...] | None:
    """``--select A,B --select C`` → ``(A, B, C)``; not given → None."""
    if values is None:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def build_parser() -> argparse.ArgumentParser:
    from opslint.report import FORMATS

    parser = argparse.ArgumentParser(
        prog="opslint",
        description="Check Terraform and CloudFormation/SAM against the AWS Well-Architected "
        "Operational Excellence pillar.",
    )
    parser.add_argument("--version", action="version", version=f"opslint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="scan paths (the default command)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    check.add_argument(
        "--format",
        "-f",
        action="append",
        metavar="FORMAT[:FILE]",
        help=f"report format ({', '.join(FORMATS)}); repeat for several reports in one run, "
        "each with its own file: --format text --format json:opslint.json",
    )
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    check.add_argument(
        "--select",
        action="append",
        metavar="IDS",
        help="rules, practices (OPS08-BP02) or groups (OPS08) to run",
    )
    check.add_argument(
        "--ignore", action="append", metavar="IDS", help="rules, practices or groups to skip"
    )
    check.add_argument(
        "--fail-on",
        choices=("error", "warning", "note", "none"),
        default=None,
        help="lowest severity that makes the exit code 1 (default: warning; none: never)",
    )
    check.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even with findings (2 still means a usage or configuration error)",
    )
    check.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per rule, most frequent first, instead of them",
    )
    check.add_argument(
        "--quiet", "-q", action="store_true", help="print findings only, without the summary"
    )
    check.add_argument(
        "--show-source",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="text: print the offending source lines under each finding (default: on a terminal)",
    )
    check.add_argument(
        "--show-fix", action="store_true", help="text: print how to fix each finding"
    )
    check.add_argument("--config", metavar="FILE", help="configuration file")
    check.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="paths to leave out (added to the configured ones)",
    )
    check.add_argument(
        "--var-file",
        action="append",
        metavar="FILE",
        help="Terraform variable file applied after the auto-loaded ones",
    )
    check.add_argument(
        "--var",
        action="append",
        metavar="NAME=VALUE",
        help="a Terraform variable for root modules, applied after the variable files "
        "(TF_VAR_<name> environment variables are read too)",
    )
    check.add_argument(
        "--rules-dir", action="append", metavar="DIR", help="load extra rules from DIR"
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="parallel parser processes (default: all cores)",
    )
    check.add_argument(
        "--max-file-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="skip files larger than BYTES with a note (default: 5000000, 5 MB)",
    )
    check.add_argument("--no-color", action="store_true", help="never colour the output")
    check.add_argument(
        "--no-inline-suppressions",
        action="store_true",
        help="ignore every inline opslint:ignore (only configured exceptions apply)",
    )
    check.add_argument(
        "--baseline", metavar="FILE", help="report only findings not recorded in FILE"
    )
    check.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record the current findings in FILE (then exit 0)",
    )
    check.add_argument(
        "--as-of",
        metavar="DATE",
        help="judge dates (suppression expiry, runtime end of life) as of DATE (YYYY-MM-DD), "
        "for reproducible runs",
    )
    check.add_argument(
        "--link-base",
        metavar="URL",
        help="Markdown and HTML reports: link findings under URL (e.g. "
        "https://github.com/OWNER/REPO/blob/SHA/) instead of repository-relative paths",
    )
    check.add_argument(
        "--sarif-category",
        metavar="ID",
        help="SARIF automationDetails.id, so several opslint runs in one repository keep "
        "their own code scanning alerts",
    )

    check.add_argument(
        "--checkov",
        action="store_true",
        help="also run checkov's checks that bear on the pillar, keyed by practice "
        '(needs pip install "opslint[checkov]")',
    )
    check.add_argument(
        "--checkov-report",
        metavar="FILE",
        help="import those checks' results from a report checkov wrote (checkov -o json)",
    )

    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--rules-dir", action="append", metavar="DIR")

    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("rule_id", metavar="ID", help="rule ID, or a practice ID")
    explain.add_argument("--rules-dir", action="append", metavar="DIR")

    practices = commands.add_parser(
        "practices",
        help="the pillar scorecard: every practice and the rules that automate it; with "
        "paths, how the repository there stands on each",
    )
    practices.add_argument(
        "paths", nargs="*", metavar="PATH", help="scan these and show their scorecard"
    )
    practices.add_argument("--config", metavar="FILE", help="configuration file")
    practices.add_argument("--format", choices=("text", "json"), default="text")
    practices.add_argument("--rules-dir", action="append", metavar="DIR")
    for command_parser in (check, rules, explain, practices):
        command_parser.set_defaults(command_parser=command_parser)
    return parser


def _normalise_argv(argv: list[str]) -> list[str]:
    """Bare ``opslint [PATH ...]`` means ``opslint check [PATH ...]``."""
    if not argv:
        return ["check"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return argv
    return ["check", *argv]


def _use_color(args: argparse.Namespace, stream: TextIO) -> bool:
    if args.no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """``--format`` values as (format, file) pairs; a format without a file goes to
    ``--output`` or standard output, and only one may."""
    from opslint.report import FORMATS

    pairs: list[tuple[str, str | None]] = []
    for value in args.format or ["text"]:
        fmt, _, path = value.partition(":")
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt!r}: unknown format (known: {', '.join(FORMATS)})")
        pairs.append((fmt, path or args.output))
    unnamed = [fmt for fmt, path in pairs if path is None]
    if len(unnamed) > 1:
        raise UsageError("only one --format may write to standard output; give the others :FILE")
    named = [path for _, path in pairs if path is not None]
    if len(named) != len(set(named)):
        raise UsageError("two reports would write to the same file")
    return pairs


def _say(message: str) -> None:
    """One line on standard error, ``opslint: ``-prefixed; what it quotes from files (paths,
    configuration keys) cannot end the line or start a workflow command."""
    from opslint.sanitize import escape

    sys.stderr.write(f"opslint: {escape(message)}\n")


def _emit(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)


def cmd_check(args: argparse.Namespace) -> int:
    from opslint.report import ReportOptions, render

    outputs = _outputs(args)
    result = _scan(args)
    if args.write_baseline:
        from opslint.baseline import write_baseline

        try:
            count = write_baseline(args.write_baseline, result.findings)
        except OSError as exc:
            raise UsageError(f"cannot write {args.write_baseline}: {exc.strerror}") from None
        if not args.quiet:
            sys.stderr.write(f"opslint: recorded {count} findings in {args.write_baseline}\n")
        return EXIT_OK
    paths = args.paths or ["."]
    if not result.files and not result.findings and not args.quiet:
        shown = " ".join(paths)
        sys.stderr.write(
            f"opslint: nothing to scan in {shown}: no Terraform or CloudFormation/SAM files found\n"
        )
    if args.statistics:
        _emit(_statistics(result), args.output)
    else:
        terminal = _use_color(args, sys.stdout)
        for fmt, path in outputs:
            show_source = args.show_source
            if show_source is None:
                show_source = path is None and bool(getattr(sys.stdout, "isatty", bool)())
            options = ReportOptions(
                color=path is None and terminal,
                sarif_category=args.sarif_category,
                link_base=args.link_base,
                show_source=show_source,
                show_fix=args.show_fix,
                quiet=args.quiet,
            )
            _emit(render(result, fmt, options), path)
    if args.exit_zero or args.fail_on == "none":
        return EXIT_OK
    return EXIT_FINDINGS if result.failed() else EXIT_OK


def _scan(args: argparse.Namespace) -> Result:
    """Configuration, rules and the run of ``opslint check``'s arguments."""
    from opslint.catalog import load_catalog
    from opslint.config import canonical_id, known_ids, load_config, validate_against_rules
    from opslint.model import Severity
    from opslint.registry import load_registry
    from opslint.repository import scan_root
    from opslint.runner import run
    from opslint.worktree import common_folder, work_tree_root

    paths = args.paths or ["."]
    root = scan_root(paths)  # the one scan root of the run (rules, suppressions, repository)
    start = common_folder(paths)
    top = work_tree_root(start)
    config = load_config(args.config, Path(start), Path(top) if top else None)
    config = config.merged(
        select=_split(args.select),
        ignore=_split(args.ignore),
        fail_on=Severity.parse(args.fail_on) if args.fail_on not in (None, "none") else None,
        exclude=(*config.exclude, *args.exclude) if args.exclude else None,
        var_files=(*config.var_files, *args.var_file) if args.var_file else None,
        variables=tuple(_variable(v) for v in args.var) if args.var else None,
        rules_dirs=(*config.rules_dirs, *args.rules_dir) if args.rules_dir else None,
        inline_suppressions=False if args.no_inline_suppressions else None,
        baseline=args.baseline,
        max_file_size=args.max_file_size,
    )
    if args.write_baseline:
        config = replace(config, baseline=None)  # record everything that is found now
    today = None
    if args.as_of:
        try:
            today = datetime.date.fromisoformat(args.as_of)
        except ValueError:
            raise UsageError(f"--as-of {args.as_of!r}: expected a date YYYY-MM-DD") from None
    if args.select or args.ignore:
        config = config.merged(source=config.source or "command line")
    registry = load_registry(config.rules_dirs)
    checkov = None
    if args.checkov or args.checkov_report:
        from opslint.checkov.options import checkov_source, with_checkov_rules

        checkov = checkov_source(args.checkov, args.checkov_report)
        registry = with_checkov_rules(registry)
    catalog_ids = {p.id for p in load_catalog()}
    known = known_ids(registry.ids(), catalog_ids)
    config = replace(
        config,
        select=tuple(canonical_id(s, known) for s in config.select),
        ignore=tuple(canonical_id(s, known) for s in config.ignore),
        rules={canonical_id(k, known): v for k, v in config.rules.items()},
    )
    flags = {"select": args.select, "ignore": args.ignore}
    validate_against_rules(
        config,
        list(registry),
        catalog_ids,
        origins={key: f"command line: `--{key}`" for key, value in flags.items() if value},
    )
    for var_file in config.var_files:
        if not os.path.isfile(var_file):
            given = var_file in (args.var_file or ())
            where = "--var-file" if given else f"{config.source}: `var-files`:"
            raise UsageError(f"{where} {var_file}: file not found")
    if args.max_file_size is not None and args.max_file_size < 1:
        raise UsageError("--max-file-size must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    return run(paths, registry, config, jobs=args.jobs, root=root, today=today, checkov=checkov)


def _statistics(result: Result) -> str:
    """Findings per rule, most frequent first (ties by rule ID), like ``ruff --statistics``."""
    from collections import Counter

    counts = Counter(f.rule_id for f in result.findings)
    titles = {rule.id: rule.title for rule in result.rules}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = len(str(rows[0][1])) if rows else 1
    id_width = max((len(rule_id) for rule_id, _ in rows), default=0)
    return "".join(
        f"{count:>{width}}  {rule_id:<{id_width}}  {titles.get(rule_id, '')}".rstrip() + "\n"
        for rule_id, count in rows
    )


def cmd_rules(args: argparse.Namespace) -> int:
    from opslint.engine_rules import ENGINE_RULES
    from opslint.registry import load_registry

    registry = load_registry(args.rules_dir or ())
    engine = sorted(ENGINE_RULES.values(), key=lambda e: e.id)
    if args.format == "json":
        rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "practice": r.practice(),
                "related": list(r.related),
                "severity": r.severity.value,
                "title": r.title,
                "enabled_by_default": r.enabled_by_default,
                "frameworks": list(r.frameworks()),
                "resource_types": {k: list(v) for k, v in r.resource_types.items()},
                "options": [
                    {
                        "name": o.name,
                        "type": o.type,
                        "default": o.default,
                        "description": o.description,
                    }
                    for o in r.options
                ],
            }
            for r in registry
        ]
        rows += [e.to_row() for e in engine]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    width = max((len(rule.id) for rule in (*registry, *engine)), default=10)
    for rule in (*registry, *engine):
        off = "" if getattr(rule, "enabled_by_default", True) else " (off by default)"
        enabled_by = getattr(rule, "enabled_by", "")
        if enabled_by:
            off = f" (off unless `{enabled_by}` is configured)"
        sys.stdout.write(f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.title}{off}\n")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from opslint.catalog import load_catalog
    from opslint.config import canonical_id, did_you_mean, known_ids
    from opslint.engine_rules import ENGINE_RULES
    from opslint.registry import load_registry
    from opslint.ruledocs import rule_markdown

    registry = load_registry(args.rules_dir or ())
    catalog = load_catalog()
    known = known_ids(registry.ids(), (p.id for p in catalog))
    args.rule_id = canonical_id(args.rule_id, known)
    rule = registry.get(args.rule_id)
    if rule is None and "/checkov-" in args.rule_id:
        from opslint.checkov.mapping import checkov_rules

        rule = next((r for r in checkov_rules() if r.id == args.rule_id), None)
    if rule is not None:
        sys.stdout.write(rule_markdown(rule, catalog))
        return EXIT_OK
    engine_rule = ENGINE_RULES.get(args.rule_id)
    if engine_rule is not None:
        sys.stdout.write(engine_rule.markdown())
        return EXIT_OK
    practice = catalog.get(args.rule_id.upper())
    if practice is not None:
        rules = [r for r in registry if practice.id in r.practices()]
        lines = [
            f"# {practice.id} {practice.title}",
            "",
            f"{practice.area} / {practice.section}",
            "",
            practice.description,
            "",
            practice.url,
            "",
            "Rules: " + (", ".join(r.id for r in rules) if rules else "none (not automated)"),
        ]
        sys.stdout.write("\n".join(lines) + "\n")
        return EXIT_OK
    raise UsageError(
        f"no rule or practice {args.rule_id!r}{did_you_mean(args.rule_id, known)} "
        "(see `opslint rules`)"
    )


def cmd_practices(args: argparse.Namespace) -> int:
    from opslint.catalog import load_catalog
    from opslint.checkov.mapping import checkov_installed
    from opslint.registry import load_registry

    if args.paths:
        return _practices_of(args)
    registry = load_registry(args.rules_dir or ())
    if checkov_installed():  # show which checkov checks feed each practice
        from opslint.checkov.options import with_checkov_rules

        registry = with_checkov_rules(registry)
    rows = []
    for practice in load_catalog():
        rules = [r.id for r in registry if practice.id in r.practices() and r.enabled_by_default]
        opt_in = [
            r.id for r in registry if practice.id in r.practices() and not r.enabled_by_default
        ]
        rows.append((practice, rules, opt_in))
    if args.format == "json":
        data = [
            {
                "id": p.id,
                "title": p.title,
                "area": p.area,
                "section": p.section,
                "url": p.url,
                "automated": bool(rules),
                "rules": rules,
                "opt_in_rules": opt_in,
            }
            for p, rules, opt_in in rows
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    area = None
    automated = sum(1 for _, rules, _ in rows if rules)
    for practice, rules, opt_in in rows:
        if practice.area != area:
            area = practice.area
            sys.stdout.write(f"\n{area}\n")
        mark = "automated by " + ", ".join(rules) if rules else "not automated"
        if opt_in:
            mark += ("; " if rules else " (") + "opt-in: " + ", ".join(opt_in)
            mark += "" if rules else ")"
        sys.stdout.write(f"  {practice.id}  {practice.title}: {mark}\n")
    sys.stdout.write(f"\n{automated} of {len(rows)} practices automated\n")
    return EXIT_OK


def _practices_of(args: argparse.Namespace) -> int:
    """The scorecard of a scan: each practice failing (with its findings), passing, not
    applicable, not selected or not automated."""
    check = ["check", *args.paths]
    check += ["--config", args.config] if args.config else []
    for folder in args.rules_dir or ():
        check += ["--rules-dir", folder]
    result = _scan(build_parser().parse_args(check))
    if args.format == "json":
        document = [p.to_dict() for p in result.practices]
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return EXIT_OK
    area = None
    for practice in result.practices:
        if practice.area != area:
            area = practice.area
            sys.stdout.write(f"\n{area}\n")
        status = practice.status
        if practice.findings:
            status += f" ({practice.findings} finding{'s' if practice.findings != 1 else ''})"
        sys.stdout.write(f"  {practice.id}  {practice.title}: {status}\n")
    counts = result.summary()["practices"]
    sys.stdout.write(
        "\n" + ", ".join(f"{count} {status}" for status, count in counts.items()) + "\n"
    )
    return EXIT_OK


HANDLERS = {
    "check": cmd_check,
    "rules": cmd_rules,
    "explain": cmd_explain,
    "practices": cmd_practices,
}


def main(argv: Sequence[str] | None = None) -> int:
    from opslint.config import ConfigError
    from opslint.registry import RuleLoadError

    parser = build_parser()
    args, unknown = parser.parse_known_args(
        _normalise_argv(list(sys.argv[1:] if argv is None else argv))
    )
    if unknown:  # show the usage of the command, not the top-level one
        command_parser = getattr(args, "command_parser", parser)
        command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return HANDLERS[args.command](args)
    except (UsageError, ConfigError, RuleLoadError) as exc:
        _say(f"error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # opslint itself failed: say so, exit 2, no traceback
        _say(f"internal error: {type(exc).__name__}: {exc}")
        sys.stderr.write("Please report this with the command you ran.\n")
        if os.environ.get("OPSLINT_DEBUG"):
            raise
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
