"""Rule documentation in Markdown, generated from each rule's metadata: ``opslint explain``
prints it and ``docs/rules/`` is written from it (``python -m opslint.ruledocs docs/rules``)."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

from opslint.catalog import Catalog, load_catalog
from opslint.rule import Example, Rule

LANGUAGE_TITLES = {"terraform": "Terraform", "cloudformation": "CloudFormation", "sam": "SAM"}


def rule_markdown(rule: type[Rule], catalog: Catalog | None = None) -> str:
    catalog = catalog or load_catalog()
    practice = catalog[rule.practice()]
    docs = rule.docs
    out = [
        f"# {rule.id}",
        "",
        f"**{rule.title}**",
        "",
        f"- Practice: [{practice.id} {practice.title}]({practice.url})",
    ]
    for related in rule.related:
        other = catalog[related]
        out.append(f"- Related practice: [{other.id} {other.title}]({other.url})")
    out.append(f"- Default severity: `{rule.severity.value}`")
    if not rule.enabled_by_default and rule.enabled_by:
        out.append(
            f"- Off unless the configuration sets `{rule.enabled_by}` (or enables the rule "
            "with `enabled: true`, or `--select` names its ID)"
        )
    elif not rule.enabled_by_default:
        out.append(
            "- Off by default: enable it with `enabled: true` under the rule in the "
            "configuration, or `--select` its ID"
        )
    for framework, types in rule.resource_types.items():
        out.append(f"- {LANGUAGE_TITLES[framework]}: {_type_list(types)}")
    out += ["", "## What it does", "", docs.what, "", "## Why it matters", "", docs.why]
    for example in docs.examples:
        fence, title = example.fence, example.title
        out += [
            "",
            f"## Example ({title})",
            "",
            f"```{fence}",
            example.failing,
            "```",
            "",
            "Use instead:",
            "",
            f"```{fence}",
            example.passing,
            "```",
        ]
    out += ["", "## How to fix", "", docs.fix]
    if rule.options:
        out += ["", "## Options", "", "| option | type | default | meaning |", "|---|---|---|---|"]
        for option in rule.options:
            out.append(
                f"| `{option.name}` | {option.type} | `{option.default!r}` | {option.description} |"
            )
        out += [
            "",
            "Set them in `.opslint.yaml`:",
            "",
            "```yaml",
            "rules:",
            f"  {rule.id}:",
            "    options:",
            *(f"      {o.name}: {o.default!r}" for o in rule.options),
            "```",
        ]
    out += ["", "## Unresolved values", "", docs.unknown]
    if docs.cautions:
        out += ["", "## Known limits", "", docs.cautions]
    out += ["", "## Reference", "", f"- {practice.url}"]
    return "\n".join(out) + "\n"


_FILE_HEADER = re.compile(r"^# (?=\S*[./])(\.?[\w-]+(?:[./][\w-]+)*)$")
_LISTING = re.compile(r"^\$ (git ls-files|ls(?: -a)?(?: (\S+))?)$")
_TEMPLATE_KEY = re.compile(r"^(?:AWSTemplateFormatVersion|Transform|Globals|Parameters|Resources):")


def _off_label(rule: type[Rule]) -> str:
    """What listings add to an opt-in rule's title."""
    if rule.enabled_by_default:
        return ""
    if rule.enabled_by:
        return f" (off unless `{rule.enabled_by}` is configured)"
    return " (off by default)"


def example_files(example: Example, passing: bool) -> tuple[dict[str, str], bool]:
    """The files one side of an example stands for, and whether git must track them (a
    ``$ git ls-files`` listing): a ``# <path>`` header names a file and its text follows;
    a ``$ ls DIR/`` or ``$ git ls-files`` listing names files (empty); otherwise the snippet
    is ``main.tf`` or ``template.yaml`` (resources placed under ``Resources``, SAM's
    transform added) after what ``example.given`` holds under that same name; the other
    given files come along."""
    text = example.passing if passing else example.failing
    files: dict[str, str] = {}
    tracked = False
    lines = text.split("\n")
    if _FILE_HEADER.match(lines[0]) or _LISTING.match(lines[0]):
        current: str | None = None
        listing: str | None = None
        previous = ""
        for line in lines:
            header, shown = _FILE_HEADER.match(line), _LISTING.match(line)
            if shown:
                current, tracked = None, tracked or shown.group(1) == "git ls-files"
                listing = (shown.group(2) or "").rstrip("/")
            elif header and (current is None or not previous.strip()):
                current, listing = header.group(1), None
                files[current] = ""
            elif listing is not None:
                for name in line.split():
                    path = f"{listing}/{name}".lstrip("/")
                    files[path] = example.given.get(path, "")
            elif current is not None:
                files[current] += line + "\n"
            previous = line
        files = {name: body.strip("\n") + "\n" if body else "" for name, body in files.items()}
    elif example.fence == "hcl":
        files["main.tf"] = _joined(example.given.get("main.tf"), text)
    else:
        body = _joined(example.given.get("template.yaml"), text).rstrip("\n")
        lines = body.split("\n")
        if not any(_TEMPLATE_KEY.match(line) for line in lines):
            body = "Resources:\n" + textwrap.indent(body, "  ")
        if example.language == "sam" and "Transform:" not in body:
            body = "Transform: AWS::Serverless-2016-10-31\n" + body
        files["template.yaml"] = body + "\n"
    return {**example.given, **files}, tracked


def _joined(given: str | None, text: str) -> str:
    """The snippet after what the example assumes in the same file (``given`` holds, under
    the snippet's own file name, the resources it refers to)."""
    return f"{given.rstrip()}\n\n{text}\n" if given else text + "\n"


MAX_LISTED_TYPES = 12
"""Rules over every taggable type list thousands: name a few, count the rest."""


def _type_list(types: tuple[str, ...]) -> str:
    if "*" in types:
        return "every resource type"
    shown = ", ".join(f"`{t}`" for t in types[:MAX_LISTED_TYPES])
    rest = len(types) - MAX_LISTED_TYPES
    return shown if rest <= 0 else f"{shown} and {rest} more (`opslint rules --format json`)"


def write_rule_docs(directory: Path, rules: list[type[Rule]]) -> list[Path]:
    """Write one page per rule and an index; returns the files written."""
    catalog = load_catalog()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    index = ["# Rule reference", "", "| rule | practice | severity | title |", "|---|---|---|---|"]
    for rule in rules:
        name = rule.id.replace("/", "--") + ".md"
        page = directory / name
        page.write_text(rule_markdown(rule, catalog), encoding="utf-8")
        written.append(page)
        index.append(
            f"| [{rule.id}]({name}) | {rule.practice()} | {rule.severity.value} | {rule.title}"
            + _off_label(rule)
            + " |"
        )
    (directory / "README.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    written.append(directory / "README.md")
    return written


def main(argv: list[str] | None = None) -> int:
    from opslint.registry import load_registry

    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "docs/rules")
    rules = list(load_registry(entry_points=False))
    for path in write_rule_docs(target, rules):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
