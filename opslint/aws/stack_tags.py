"""Stack-level tags a repository gives its CloudFormation/SAM templates at deploy time.

CloudFormation copies a stack's tags to every taggable resource of the stack, so a key given
there is on each resource although no template writes it. Two places show them:
``samconfig.toml`` next to a SAM template (``tags`` of any environment and command), and the
deploy commands of the repository's CI definitions and scripts::

    aws cloudformation deploy --template-file app.yaml --tags owner=team project=x
    sam deploy -t app.yaml --tags "owner=team project=x"
    aws cloudformation create-stack --template-body file://app.yaml \\
        --tags Key=owner,Value=team Key=project,Value=x

A command applies to the templates its template argument names (matched by path below the
repository root, or by the end of that path); when it names none of them (a variable, a
packaged or built copy such as ``.aws-sam/build/template.yaml``, a URL) it may deploy any of
them and applies to all (``sam deploy``: to every SAM template). Tags opslint cannot read (a
variable, ``file://tags.json``, a shell expansion) make a template's stack tags unknown, so
that no finding is made from them.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from opslint.model import Repository, Unit
from opslint.reading import read_regular

Keys = frozenset[str] | None
"""Tag keys; None when some cannot be read."""

_CONTINUATION = re.compile(r"\\\r?\n")
_COMMAND_START = re.compile(
    r"\b(?:cloudformation\s+(?:deploy|create-stack|update-stack)|sam\s+deploy)\b"
)
_SEPARATORS = re.compile(r"&&|\|\||;|\|")
_TEMPLATE_OPTIONS = ("--template-file", "--template-body", "--template-url", "--template", "-t")


@dataclass(frozen=True)
class DeployCommand:
    """One deploy command found in a file."""

    path: str
    tool: str
    """``cloudformation`` or ``sam``."""
    template: str | None
    """The template argument as written (``file://`` removed); None when not given."""
    tags: Keys
    """Keys of ``--tags``; empty when the command gives none."""


def union(*parts: Keys) -> Keys:
    """All the keys of ``parts``; None when one of them cannot be read."""
    out: set[str] = set()
    for part in parts:
        if part is None:
            return None
        out |= part
    return frozenset(out)


def deploy_commands(path: str, text: str) -> Iterator[DeployCommand]:
    """The CloudFormation and SAM deploy commands written in ``text`` (a script, a Makefile,
    a CI definition; continuation lines, and following lines that start with an option,
    joined)."""
    if "deploy" not in text and "-stack" not in text:
        return
    lines = _CONTINUATION.sub(" ", text).splitlines()
    for number, line in enumerate(lines):
        start = _COMMAND_START.search(line)
        if start is None:
            continue
        for following in lines[number + 1 :]:
            # the options of a command folded over lines (YAML ``>-`` blocks)
            if not following.strip().startswith("-") or following.strip().startswith("- "):
                break
            line += " " + following.strip()
        for part in _SEPARATORS.split(line[start.start() :]):
            match = _COMMAND_START.match(part.strip())
            if match is None:
                continue
            words = _words(part.strip()[match.end() :])
            tool = "sam" if match.group(0).startswith("sam") else "cloudformation"
            yield DeployCommand(path, tool, _template(words), _tag_keys(words))


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True)
    except ValueError:  # an unbalanced quote: split on blanks, quotes kept (read as unknown)
        return text.split()


def _option_values(words: list[str], names: tuple[str, ...]) -> list[list[str]] | None:
    """The values after each occurrence of an option (``--tags a b``, ``--tags=a``); None
    when the option is not given."""
    found: list[list[str]] | None = None
    index = 0
    while index < len(words):
        word = words[index]
        name, equals, inline = word.partition("=")
        if name in names:
            values = [inline] if equals else []
            index += 1
            while not equals and index < len(words) and not words[index].startswith("-"):
                values.append(words[index])
                index += 1
            found = [*(found or []), values]
            continue
        index += 1
    return found


def _template(words: list[str]) -> str | None:
    given = _option_values(words, _TEMPLATE_OPTIONS)
    if not given or not given[-1]:
        return None
    return given[-1][0].removeprefix("file://")


def _unreadable(word: str) -> bool:
    return any(mark in word for mark in ("$", "`", "{{", "file://", "*", "%"))


def _tag_keys(words: list[str]) -> Keys:
    given = _option_values(words, ("--tags",))
    if given is None:
        return frozenset()
    keys: set[str] = set()
    for values in given:
        if not values:
            return None
        for value in values:
            found = _keys_of(value)
            if found is None:
                return None
            keys |= found
    return frozenset(keys)


def _keys_of(value: str) -> Keys:
    """Keys of one ``--tags`` word: ``k=v`` (``deploy``), ``Key=k,Value=v`` (``create-stack``),
    a JSON list of ``{"Key": ..}``, or a quoted list of ``k=v`` (``sam deploy``)."""
    stripped = value.strip()
    if stripped.startswith("file://"):
        return None
    if stripped.startswith("["):
        try:
            decoded = json.loads(stripped)
        except ValueError:
            return None
        if not isinstance(decoded, list) or not all(
            isinstance(item, dict)
            and isinstance(item.get("Key"), str)
            and not _unreadable(item["Key"])
            for item in decoded
        ):
            return None
        return frozenset(item["Key"] for item in decoded)
    keys: set[str] = set()
    for word in _words(stripped):
        if word.startswith("Key="):
            key = word.split(",", 1)[0].removeprefix("Key=")
        elif "=" in word:
            key = word.partition("=")[0]
        else:
            return None
        if not key or _unreadable(key):
            return None
        keys.add(key)
    return frozenset(keys)


def samconfig_tags(template: str) -> Keys:
    """Stack tags from ``samconfig.toml`` next to a SAM template (any environment)."""
    config = Path(template).parent / "samconfig.toml"
    if not config.is_file():
        return frozenset()
    try:
        document = tomllib.loads(read_regular(str(config)).decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None  # unreadable, too large or nested too deeply: the tags are unknown
    keys: Keys = frozenset()
    for environment in document.values():
        if not isinstance(environment, dict):
            continue
        for command in environment.values():
            parameters = command.get("parameters") if isinstance(command, dict) else None
            tags = parameters.get("tags") if isinstance(parameters, dict) else None
            if tags is None:
                continue
            if isinstance(tags, list):
                tags = " ".join(str(t) for t in tags)
            if not isinstance(tags, str):
                return None
            keys = union(keys, _keys_of(tags))
    return keys


def _names(template: str, command: str) -> bool:
    """Whether the template argument ``command`` names ``template`` (both relative to the
    repository root; the command may run in a sub-folder)."""
    written = posixpath.normpath(command)
    return template == written or template.endswith("/" + written)


def stack_tags(
    templates: Iterable[tuple[str, bool]], commands: Iterable[DeployCommand]
) -> dict[str, Keys]:
    """Template (path relative to the repository root, and whether it is SAM) → the keys
    of the stack tags the ``commands`` that may deploy it give; only templates some command
    with ``--tags`` applies to are in the result."""
    paths = dict(templates)
    out: dict[str, Keys] = {}
    for command in commands:
        if command.tags == frozenset():
            continue
        named = (
            [p for p in paths if _names(p, command.template)]
            if command.template is not None and not _unreadable(command.template)
            else []
        )
        if not named:  # may deploy any of them
            named = [p for p, sam in paths.items() if sam or command.tool == "cloudformation"]
        for path in named:
            out[path] = union(out.get(path, frozenset()), command.tags)
    return out


def commands_in(contents: Mapping[str, str]) -> list[DeployCommand]:
    """Every deploy command in the given files (path → text)."""
    return [command for path, text in contents.items() for command in deploy_commands(path, text)]


def with_stack_tags(units: Iterable[Unit], repository: Repository) -> list[Unit]:
    """``units``, each CloudFormation/SAM template with the stack tags the repository gives
    it (``samconfig.toml`` next to a SAM template, the deploy commands of its CI definitions
    and scripts)."""
    units = list(units)
    templates = [
        (repository.relative(u.path), u.is_sam) for u in units if u.framework == "cloudformation"
    ]
    if not templates:
        return units
    given = stack_tags(templates, commands_in(repository.contents))
    out = []
    for unit in units:
        if unit.framework == "cloudformation":
            keys = given.get(repository.relative(unit.path), frozenset())
            if unit.is_sam:
                keys = union(keys, samconfig_tags(unit.path))
            if keys != unit.stack_tags:
                unit = replace(unit, stack_tags=keys)
        out.append(unit)
    return out
