"""AWS CDK cloud assemblies (``cdk.out/``): the stacks they hold and where the app made each
construct.

A cloud assembly is a folder with a ``manifest.json`` (and, written by every CDK version
since 2.0, a ``cdk.out`` marker file). Its artifacts of type ``aws:cloudformation:stack``
name their ``templateFile``; nested stacks are ``*.nested.template.json`` beside them; a CDK
``Stage`` is a nested assembly (artifact type ``cdk:cloud-assembly``, ``directoryName``).
Assets are never read.

Each template is parsed by the CloudFormation parser, then every resource is moved to the
line of the app's source that created its construct: CDK records the creation stack of each
construct (``aws:cdk:creationStack`` in the stack's ``<Stack>.metadata.json`` or in the
manifest's ``metadata``; older versions put a ``trace`` on each metadata entry). The first
frame that is the app's own code (not ``aws-cdk-lib``, ``constructs``, ``node_modules``,
node internals or a frame CDK elided) is mapped to the app folder (the one with
``cdk.json``) by the longest suffix of its absolute path that exists there, since the
assembly is often made on another machine. A resource without such a frame stays at its
template line. Either way it keeps its construct path (``aws:cdk:path``).
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from opslint.model import Diagnostic, Path, Provenance, Resource, Span, Unit
from opslint.reading import read_regular

MANIFEST = "manifest.json"
MARKER = "cdk.out"
STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY_ARTIFACT = "cdk:cloud-assembly"
NESTED_TEMPLATE_SUFFIX = ".nested.template.json"
CREATION_STACK = "aws:cdk:creationStack"
CONSTRUCT_PATH_KEY = "aws:cdk:path"
APP_FILE = "cdk.json"
MAX_NESTING = 16
"""Stages inside stages deeper than this are not followed (a manifest that names itself)."""
APP_SEARCH_DEPTH = 4
"""How many folders above an assembly to look for the app's ``cdk.json``."""
EXPRESSION_LIMIT = 100_000
"""How many characters after a construct's ``new`` to look for its closing parenthesis."""
MANIFEST_LIMIT = 50_000_000
"""Manifests and metadata files larger than this many bytes are not read."""

_FRAME = re.compile(r"^(?:.*?\()?(?P<file>[^()]+?):(?P<line>\d+)(?::(?P<column>\d+))?\)?$")
_LIBRARY_PARTS = frozenset({"node_modules", "aws-cdk-lib", "constructs", "jsii-kernel"})
# Functions and roles the CDK adds on its own, one per stack, that users cannot configure:
# the handlers of LogRetention, bucket notifications, AwsCustomResource, BucketDeployment
# (``<Name><32 hex digits>``) and of core custom resource providers (``Custom::...Provider``).
_GENERATED_CONSTRUCT = re.compile(r"^(?!SingletonLambda)[A-Za-z]*[0-9a-fA-F]{32}$|^Custom::")
_GENERATED_TYPES = frozenset({"AWS::CDK::Metadata"})


@dataclass(frozen=True)
class StackTemplate:
    """One template of an assembly: a stack's or a nested stack's (display paths)."""

    template: str
    assembly: str
    """The top-level assembly folder the template belongs to (its metadata may sit in a
    nested assembly below it)."""


def is_assembly(directory: str) -> bool:
    """True when ``directory`` is a CDK cloud assembly: a ``manifest.json`` beside a
    ``cdk.out`` marker file, or any ``manifest.json`` in a folder named ``cdk.out``."""
    if not os.path.isfile(os.path.join(directory, MANIFEST)):
        return False
    name = os.path.basename(os.path.normpath(directory))
    return name == MARKER or os.path.isfile(os.path.join(directory, MARKER))


def assembly_templates(assembly: str) -> tuple[list[StackTemplate], list[Diagnostic]]:
    """The stack templates of the assembly at ``assembly`` (a display path), nested stacks
    and the stacks of nested assemblies included; problems with the manifests become
    diagnostics."""
    templates: list[StackTemplate] = []
    diagnostics: list[Diagnostic] = []
    seen: set[str] = set()

    def visit(directory: str, depth: int) -> None:
        real = os.path.realpath(directory)
        if real in seen or depth > MAX_NESTING:
            return
        seen.add(real)
        manifest_path = _join(directory, MANIFEST)
        manifest, problem = _read_json(manifest_path)
        if problem is not None:
            diagnostics.append(problem)
            return
        found: list[str] = []
        for name, artifact in _artifacts(manifest):
            kind = artifact.get("type")
            properties = artifact.get("properties")
            properties = properties if isinstance(properties, dict) else {}
            if kind == STACK_ARTIFACT:
                target = _inside(directory, properties.get("templateFile"))
                if target is None:
                    diagnostics.append(
                        Diagnostic(
                            manifest_path,
                            f"stack {name}: templateFile is missing or outside the assembly",
                        )
                    )
                elif os.path.isfile(target):
                    found.append(target)
                else:
                    diagnostics.append(
                        Diagnostic(manifest_path, f"stack {name}: {target} does not exist")
                    )
            elif kind == NESTED_ASSEMBLY_ARTIFACT:
                nested = _inside(directory, properties.get("directoryName"))
                if nested is not None and os.path.isdir(nested):
                    visit(nested, depth + 1)
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            names = []
        found.extend(
            _join(directory, n)
            for n in names
            if n.endswith(NESTED_TEMPLATE_SUFFIX) and os.path.isfile(_join(directory, n))
        )
        templates.extend(StackTemplate(path, assembly) for path in dict.fromkeys(found))

    visit(assembly, 0)
    return templates, diagnostics


def parse_stack(template: str, assembly: str) -> Unit | None:
    """Parse one stack template of the assembly at ``assembly`` and move each resource to
    the source line that created its construct. Never raises."""
    from opslint.directives import scan_text
    from opslint.parsers.cloudformation import parse_template

    try:
        text = read_regular(template, limit=None).decode("utf-8", errors="replace")
    except OSError as exc:
        return Unit(
            framework="cloudformation",
            path=template,
            resources=(),
            files=(template,),
            diagnostics=(
                Diagnostic(template, f"cannot read: {exc.strerror or exc}", code="io-error"),
            ),
        )
    unit = parse_template(template, text)
    if unit is None:
        return None
    index = _assembly_index(os.path.abspath(assembly))
    locator = _SourceLocator(_app_folder(os.path.abspath(assembly)), os.getcwd())
    resources: list[Resource] = []
    sources: dict[str, None] = {}
    for resource in unit.resources:
        construct = construct_path(resource)
        if resource.type in _GENERATED_TYPES or _is_generated(construct):
            continue
        located = _locate(resource, construct, index, locator)
        if located.path != template:
            sources[located.path] = None
        resources.append(located)
    directives = list(unit.directives)
    for source in sources:
        source_text = locator.text(source)
        if source_text is not None:
            directives.extend(scan_text(source, source_text))
    return replace(
        unit,
        resources=tuple(resources),
        files=(template, *sources),
        directives=tuple(directives),
    )


def construct_path(resource: Resource) -> str:
    """The resource's construct path (``OrdersStack/OrderHandler/Resource``), or ``""``."""
    value = resource.get_meta(("Metadata", CONSTRUCT_PATH_KEY))
    return value if isinstance(value, str) else ""


def _is_generated(construct: str) -> bool:
    # the singleton is a child of its stack, which may sit in a stage or a nested stack
    return any(_GENERATED_CONSTRUCT.match(part) for part in construct.split("/")[1:-1])


def _locate(
    resource: Resource,
    construct: str,
    index: Mapping[str, tuple[str, ...]],
    locator: _SourceLocator,
) -> Resource:
    if not construct:
        return resource
    for frame in index.get("/" + construct, ()):
        found = locator.find(frame)
        if found is not None:
            path, span = found
            return replace(
                resource,
                path=path,
                span=span,
                spans={},
                meta_spans={},
                construct=construct,
                provenance={
                    **resource.provenance,
                    **_app_provenance(resource, locator.text(path), span),
                },
            )
    return replace(resource, construct=construct)


_TOKEN = re.compile(r"[\w.-]+")


def _app_provenance(
    resource: Resource, source: str | None, span: Span
) -> dict[Path, tuple[Provenance, ...]]:
    """What the app worked out elsewhere: the words of each synthesized string that the call
    creating the construct does not write (an account ID from a constant, the context or the
    environment is not written in the resource)."""
    lines = "\n".join((source or "").splitlines()[span.line - 1 : span.end_line])
    provenance: dict[Path, tuple[Provenance, ...]] = {}

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, str):
            words = [w for w in _TOKEN.findall(value) if w not in lines]
            if words:
                provenance[path] = (Provenance("cdk app", "", " ".join(words)),)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(dict(resource.attributes), ())
    return provenance


# --- the assembly's metadata ------------------------------------------------------------------


@lru_cache(maxsize=8)
def _assembly_index(assembly: str) -> Mapping[str, tuple[str, ...]]:
    """Construct path (``/OrdersStack/OrderHandler/Resource``) → its creation stack, from
    every manifest and metadata file of the assembly (nested assemblies included)."""
    index: dict[str, tuple[str, ...]] = {}
    seen: set[str] = set()

    def visit(directory: str, depth: int) -> None:
        real = os.path.realpath(directory)
        if real in seen or depth > MAX_NESTING:
            return
        seen.add(real)
        manifest, problem = _read_json(_join(directory, MANIFEST))
        if problem is not None:
            return
        for _, artifact in _artifacts(manifest):
            _index_metadata(artifact.get("metadata"), index)
            extra = _inside(directory, artifact.get("additionalMetadataFile"))
            if extra is not None:
                metadata, problem = _read_json(extra)
                if problem is None:
                    _index_metadata(metadata, index)
            if artifact.get("type") == NESTED_ASSEMBLY_ARTIFACT:
                properties = artifact.get("properties")
                if isinstance(properties, dict):
                    nested = _inside(directory, properties.get("directoryName"))
                    if nested is not None:
                        visit(nested, depth + 1)

    visit(assembly, 0)
    return index


def _index_metadata(metadata: Any, index: dict[str, tuple[str, ...]]) -> None:
    if not isinstance(metadata, dict):
        return
    for path, entries in metadata.items():
        if not isinstance(path, str) or not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            # recent CDK: a creationStack entry; older CDK: a trace on every entry
            frames = entry.get("data") if entry.get("type") == CREATION_STACK else None
            frames = frames if isinstance(frames, list) else entry.get("trace")
            if isinstance(frames, list) and path not in index:
                index[path] = tuple(f for f in frames if isinstance(f, str))


def _artifacts(manifest: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        return
    for name, artifact in artifacts.items():
        if isinstance(artifact, dict):
            yield str(name), artifact


def _read_json(path: str) -> tuple[Any, Diagnostic | None]:
    import json  # only when an assembly is found: startup matters for pre-commit

    try:
        if not os.path.isfile(path):  # a FIFO or a device would block the read
            return None, Diagnostic(path, "not a regular file; not read", code="io-error")
        if os.path.getsize(path) > MANIFEST_LIMIT:
            return None, Diagnostic(path, f"larger than {MANIFEST_LIMIT} bytes; not read")
        data = read_regular(path, limit=MANIFEST_LIMIT)
        return json.loads(data.decode("utf-8", errors="replace")), None
    except OSError as exc:
        return None, Diagnostic(path, f"cannot read: {exc.strerror or exc}", code="io-error")
    except RecursionError:
        return None, Diagnostic(path, "nested too deeply to read")
    except ValueError as exc:  # json.JSONDecodeError, or undecodable numbers
        problem = getattr(exc, "msg", str(exc))
        line = getattr(exc, "lineno", None)
        return None, Diagnostic(path, f"invalid JSON in the cloud assembly: {problem}", line)


def _join(directory: str, name: str) -> str:
    return name if directory in (".", "") else f"{directory.rstrip('/')}/{name}"


def _inside(directory: str, name: Any) -> str | None:
    """``directory/name`` when ``name`` is a relative path that stays inside ``directory``."""
    if not isinstance(name, str) or not name or "\0" in name:
        return None
    if os.path.isabs(name) or PureWindowsPath(name).is_absolute():
        return None
    normal = os.path.normpath(name)
    if normal == ".." or normal.startswith(("../", "..\\")):
        return None
    return _join(directory, PurePosixPath(normal.replace("\\", "/")).as_posix())


# --- source lines -----------------------------------------------------------------------------


def _app_folder(assembly: str) -> str:
    """The CDK app's folder: the nearest folder at or above the assembly's parent that holds
    ``cdk.json``, else the assembly's parent."""
    parent = os.path.dirname(os.path.normpath(assembly))
    folder = parent
    for _ in range(APP_SEARCH_DEPTH):
        if os.path.isfile(os.path.join(folder, APP_FILE)):
            return folder
        if os.path.isdir(os.path.join(folder, ".git")):
            break
        above = os.path.dirname(folder)
        if above == folder:
            break
        folder = above
    return parent


def frame_location(frame: str) -> tuple[str, int, int | None] | None:
    """The file, line and column of a creation-stack frame that is the app's own code, or
    None for library code, node internals and elided frames (``...new Function2 in
    aws-cdk-lib...``)."""
    text = frame.strip()
    if not text or text.startswith(("...", "(")):
        return None
    match = _FRAME.match(text)
    if match is None:
        return None
    file = match.group("file").strip().removeprefix("file://")
    if file.startswith(("node:", "internal/", "<")):
        return None
    parts = set(re.split(r"[\\/]", file))
    if parts & _LIBRARY_PARTS:
        return None
    column = match.group("column")
    return file, int(match.group("line")), int(column) if column else None


def expression_end(text: str, starts: list[int], line: int, column: int) -> int:
    """The line where the call starting at ``line``:``column`` of JavaScript or TypeScript
    source ``text`` closes its parenthesis (``new sqs.Queue(this, 'Q', {...});``); ``line``
    itself when it cannot tell. ``starts`` holds the offset of each line."""
    start = starts[line - 1] + column - 1
    line_end = text.find("\n", start)
    opening = text.find("(", start, len(text) if line_end < 0 else line_end)
    if opening < 0:
        return line
    depth = 0
    index = opening
    limit = min(len(text), opening + EXPRESSION_LIMIT)
    while index < limit:
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return bisect.bisect_right(starts, index)
        elif char in "'\"`":
            index = _string_end(text, index, limit)
        elif text.startswith("//", index):
            index = text.find("\n", index)
            index = limit if index < 0 else index
        elif text.startswith("/*", index):
            index = text.find("*/", index + 2)
            index = limit if index < 0 else index + 1
        index += 1
    return line


def _string_end(text: str, index: int, limit: int) -> int:
    """The index of the quote closing the string literal that opens at ``index``."""
    quote = text[index]
    index += 1
    while index < limit:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == quote or (char == "\n" and quote != "`"):
            return index
        index += 1
    return limit


class _SourceLocator:
    """Maps absolute source paths of the machine that synthesized the assembly to files of
    the app folder here, by the longest suffix that exists."""

    def __init__(self, app: str, cwd: str) -> None:
        self.app = app
        self.cwd = cwd
        self._mapped: dict[str, str | None] = {}
        self._texts: dict[str, str | None] = {}
        self._starts: dict[str, list[int]] = {}

    def find(self, frame: str) -> tuple[str, Span] | None:
        """Where ``frame`` is in the app here: the file and the lines of the call it made."""
        location = frame_location(frame)
        if location is None:
            return None
        file, line, column = location
        if file not in self._mapped:
            self._mapped[file] = self._map(file)
        shown = self._mapped[file]
        if shown is None or line < 1:
            return None
        text = self.text(shown)
        if text is None:
            return None
        if shown not in self._starts:
            self._starts[shown] = [0, *(m.end() for m in re.finditer("\n", text))]
        starts = self._starts[shown]
        if line > len(starts):
            return None  # the source changed since the synthesis
        if column is None or starts[line - 1] + column - 1 >= len(text):
            return shown, Span(line, line)
        return shown, Span(line, expression_end(text, starts, line, column))

    def _map(self, file: str) -> str | None:
        parts = [p for p in re.split(r"[\\/]", file) if p and p not in (".", "..")]
        if parts and parts[0].endswith(":"):
            parts = parts[1:]  # a Windows drive
        for start in range(len(parts)):
            candidate = os.path.join(self.app, *parts[start:])
            if os.path.isfile(candidate):
                from opslint.discover import display_path

                return display_path(candidate, self.cwd)
        return None

    def text(self, shown: str) -> str | None:
        if shown not in self._texts:
            try:
                data = read_regular(os.path.join(self.cwd, shown), limit=None, head=MANIFEST_LIMIT)
                self._texts[shown] = data.decode("utf-8", errors="replace")
            except OSError:
                self._texts[shown] = None
        return self._texts[shown]


__all__ = [
    "StackTemplate",
    "assembly_templates",
    "construct_path",
    "frame_location",
    "is_assembly",
    "parse_stack",
]
