"""The model rules see: units of resources with resolved values, exact spans and references.

Parsers build these objects; rules only read them. Values are plain Python data (``str``,
``int``, ``float``, ``bool``, ``None``, ``list``, ``dict``) plus three explicit markers:

* :class:`Unknown`: the parser could not work the value out (an unset variable, a module
  output, a function we do not evaluate, a pseudo-parameter). Rules never report on it.
* :class:`Reference`: a reference to another resource of the unit (``aws_sns_topic.ops.arn``,
  ``!GetAtt Topic.Arn``, ``!Ref Topic``). Rules may follow it with :meth:`Unit.resolve`.
* :class:`Choice`: one of several values depending on a condition (``Fn::If``, a Terraform
  conditional whose condition is unknown). A rule reports only when every option is bad.

:data:`ABSENT` stands for "not set" inside a :class:`Choice` (``!Ref AWS::NoValue``).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import PurePath
from typing import Any, Literal, TypeAlias

Framework: TypeAlias = Literal["terraform", "cloudformation"]
FRAMEWORKS: tuple[Framework, ...] = ("terraform", "cloudformation")

Path: TypeAlias = tuple[str | int, ...]
"""A path to a value inside a resource: ``("tracing_config", "mode")``, ``("Tags", 0, "Key")``."""


@dataclass(frozen=True)
class Attr:
    """One attribute named per framework: ``Attr(terraform="retention_in_days",
    cloudformation="RetentionInDays")``. :meth:`Resource.get`, :meth:`Resource.location`,
    ``Expect`` and ``Rule.violation`` accept it wherever they accept a path."""

    terraform: str | Path = ()
    cloudformation: str | Path = ()

    def on(self, framework: str) -> Path:
        """The path in ``framework`` (CloudFormation's for SAM and the CDK's templates)."""
        return to_path(self.terraform if framework == "terraform" else self.cloudformation)

    def name(self, framework: str) -> str:
        """How ``framework`` spells it, dotted: ``retention_in_days``, ``Logging.Level``."""
        return ".".join(str(step) for step in self.on(framework))

    def __str__(self) -> str:
        return f"{self.terraform} / {self.cloudformation}"


AnyPath: TypeAlias = "str | Path | Attr"
"""What the model's readers accept as an attribute: dotted text, a path or an :class:`Attr`."""


class Severity(StrEnum):
    """Finding severities; the names are SARIF's levels."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(
                f"unknown severity {text!r} (expected one of: error, warning, note)"
            ) from None


@dataclass(frozen=True, order=True)
class Span:
    """1-based inclusive line range in a file."""

    line: int
    end_line: int

    def __post_init__(self) -> None:
        if self.line < 1 or self.end_line < self.line:
            raise ValueError(f"invalid span {self.line}-{self.end_line}")

    def contains(self, other: Span) -> bool:
        return self.line <= other.line and other.end_line <= self.end_line


# --- explicit value markers -------------------------------------------------------------


@dataclass(frozen=True)
class Unknown:
    """A value the parser could not resolve. ``source`` is the expression as written."""

    reason: str
    source: str = ""
    references: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r}, {self.source!r})"


@dataclass(frozen=True, eq=False)
class Partial(Unknown):
    """A value only partly known: an :class:`Unknown` (so every reader that does not look
    inside treats it as one) that keeps its known structure.

    ``parts`` is the text in order: known strings and :class:`Unknown` pieces (a template with
    an unresolved interpolation, ``Fn::Sub``, ``Fn::Join``, ``jsonencode`` of partly known
    values). ``document`` is, for JSON text whose structure does not depend on the unknown
    pieces, the decoded value with unknown leaves (:class:`Unknown`, :class:`Partial`,
    :class:`Reference`, :class:`Choice`); None otherwise. Read them with
    :mod:`opslint.partial`. A rule reports from the known parts only when they decide.
    """

    parts: tuple[str | Unknown, ...] = ()
    document: Any = None

    def __eq__(self, other: object) -> bool:
        # an Unknown that knows more: equal to the Unknown it would otherwise be
        if not isinstance(other, Unknown):
            return NotImplemented
        same = (self.reason, self.source, self.references) == (
            other.reason,
            other.source,
            other.references,
        )
        if same and isinstance(other, Partial):
            return (self.parts, self.document) == (other.parts, other.document)
        return same

    __hash__ = Unknown.__hash__

    def __repr__(self) -> str:
        return f"Partial({self.reason!r}, {self.parts!r})"


@dataclass(frozen=True)
class Reference:
    """A reference to another resource (or data source) of the same unit.

    ``address`` is the Terraform address (``aws_sns_topic.ops``) or the CloudFormation
    logical ID (``OpsTopic``); ``attribute`` the attribute path read from it (``("arn",)``,
    ``("Arn",)``, or ``()`` for a CloudFormation ``Ref``).
    """

    address: str
    attribute: tuple[str, ...] = ()

    def __str__(self) -> str:
        return ".".join((self.address, *self.attribute))


class _Absent:
    """Marker for "not set" (``AWS::NoValue``, a missing attribute)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


@dataclass(frozen=True)
class Choice:
    """One of ``options``, chosen by ``condition`` (a CloudFormation condition name or a
    Terraform expression). Options may be :data:`ABSENT`."""

    options: tuple[Any, ...]
    condition: str = ""


def is_known(value: Any) -> bool:
    """True when ``value`` (recursively) holds no :class:`Unknown` and no :class:`Choice`."""
    if isinstance(value, (Unknown, Choice)):
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


def alternatives(value: Any) -> list[Any]:
    """Every value ``value`` may take: the options of a :class:`Choice` (flattened), else
    ``[value]``. Use it to report only when every alternative is bad."""
    if isinstance(value, Choice):
        out: list[Any] = []
        for option in value.options:
            out.extend(alternatives(option))
        return out
    # null is "not set" in both frameworks
    return [ABSENT if value is None else value]


# --- resources and units ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Resource:
    """One resource (or data source, or SAM resource) of a unit.

    ``attributes`` are the Terraform arguments and nested blocks (a block that appears once
    is a dict, a repeated one a list of dicts, a ``dynamic`` block an :class:`Unknown`) or
    the CloudFormation ``Properties``. ``meta`` holds what is about the resource rather than
    in it: Terraform meta-arguments (``count``, ``for_each``, ``provider``, ``depends_on``,
    ``lifecycle``) and CloudFormation resource attributes (``DeletionPolicy``,
    ``UpdateReplacePolicy``, ``UpdatePolicy``, ``Condition``, ``Metadata``, ``DependsOn``).
    """

    framework: Framework
    type: str
    name: str
    path: str
    span: Span
    attributes: Mapping[str, Any]
    spans: Mapping[Path, Span] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    meta_spans: Mapping[Path, Span] = field(default_factory=dict)
    references: frozenset[str] = frozenset()
    kind: str = "resource"
    """``resource``, ``data`` (Terraform data source) or ``module`` (Terraform module call)."""
    module: str = ""
    """For a resource of a called Terraform module: the module address it lives in
    (``module.svc.module.logs``); ``name`` is then the full address. Empty in the module
    that was scanned."""
    inputs: Mapping[Path, tuple[str, ...]] = field(default_factory=dict)
    """Attribute path → the variables of a called module its value was worked out from
    (only while the module is instantiated for a caller)."""
    origins: Mapping[Path, Origin] = field(default_factory=dict)
    """Attribute path → the caller's argument its value came from: where a finding on that
    attribute is reported (the line the user edits)."""
    assumptions: Mapping[Path, str] = field(default_factory=dict)
    """Attribute path (``()``: the resource) → what its value assumes, said in messages
    (``with the default `EnableLogs=false```: a condition decided by parameter defaults)."""
    construct: str = ""
    """For a resource of a CDK app: its construct path (``OrdersStack/OrderHandler/Resource``)."""
    provenance: Mapping[Path, tuple[Provenance, ...]] = field(default_factory=dict)
    """Attribute path → the values it was worked out from that are not written in the
    resource itself (variables, locals, parameters, mappings, a caller's argument, a plan).
    A path without an entry holds only what is written at it: literals."""

    @property
    def address(self) -> str:
        """The Terraform address (``aws_lambda_function.api``) or CloudFormation logical ID."""
        return self.name

    @property
    def local_name(self) -> str:
        """The address inside its own module (``aws_cloudwatch_log_group.this``)."""
        return self.name[len(self.module) + 1 :] if self.module else self.name

    @property
    def via(self) -> str:
        """The chain of module calls the resource was reached through
        (``module.svc → module.logs``)."""
        if not self.module.startswith("module."):  # nested stacks: Parent/Child
            return " → ".join(self.module.split("/"))
        parts = self.module.split(".")
        return " → ".join(".".join(parts[i : i + 2]) for i in range(0, len(parts), 2))

    def assumption(self, path: str | Path = ()) -> str:
        """What the value at ``path`` assumes (set on it, an ancestor, the resource, or a
        value inside it), or ``""``."""
        steps = to_path(path)
        for end in range(len(steps), -1, -1):
            found = self.assumptions.get(steps[:end])
            if found:
                return found
        inside = sorted(
            {text for where, text in self.assumptions.items() if where[: len(steps)] == steps}
        )
        return _joined_assumptions(inside)

    def origin(self, path: str | Path = ()) -> Origin | None:
        """The caller's argument the value at ``path`` (or its nearest ancestor) came from."""
        steps = to_path(path)
        for end in range(len(steps), 0, -1):
            found = self.origins.get(steps[:end])
            if found is not None:
                return found
        return None

    def sources(self, path: AnyPath = ()) -> tuple[Provenance, ...]:
        """Where the value at ``path`` came from, apart from what is written at it: the
        entries of its nearest recorded ancestor and of every path inside it."""
        steps = self.path_of(path)
        found: list[Provenance] = []
        for end in range(len(steps), 0, -1):
            if steps[:end] in self.provenance:
                found.extend(self.provenance[steps[:end]])
                break
        for where, entries in self.provenance.items():
            if len(where) > len(steps) and where[: len(steps)] == steps:
                found.extend(entries)
        return tuple(found)

    def written_here(self, path: AnyPath, text: str) -> bool:
        """Whether ``text``, found in the value at ``path``, is written in the resource itself:
        no value it was worked out from (a variable, ``*.tfvars``, a parameter, a mapping, a
        caller's argument) holds it."""
        return not any(source.holds(text) for source in self.sources(path))

    def get(self, path: AnyPath, default: Any = ABSENT) -> Any:
        """Read a nested attribute: ``resource.get("tracing_config.mode")``.

        A single nested block is walked into directly; a repeated block is walked into only
        when it has exactly one element, otherwise the result is :class:`Unknown`. Returns
        ``default`` (:data:`ABSENT`) when a step is missing, and :class:`Unknown` when a step
        is unknown. ``path`` may be an :class:`Attr` (one name per framework).
        """
        return lookup(self.attributes, self.path_of(path), default)

    def get_meta(self, path: AnyPath, default: Any = ABSENT) -> Any:
        return lookup(self.meta, self.path_of(path), default)

    def has(self, path: AnyPath) -> bool:
        return self.get(path) is not ABSENT

    def location(self, path: AnyPath = ()) -> Span:
        """The span of the attribute at ``path``, or of its nearest written ancestor, or of the
        resource itself when nothing on the path is written."""
        return _nearest_span(self.spans, self.path_of(path), self.span)

    def meta_location(self, path: AnyPath = ()) -> Span:
        return _nearest_span(self.meta_spans, self.path_of(path), self.span)

    def path_of(self, path: AnyPath) -> Path:
        """``path`` as a path of this resource's framework."""
        if isinstance(path, Attr):
            return path.on(self.framework)
        return to_path(path)


@dataclass(frozen=True, eq=False)
class Provenance:
    """A value a resource's attribute was worked out from, other than what is written at the
    attribute: ``kind`` is ``variable default``, ``variable file``, ``environment``, ``command
    line``, ``caller argument``, ``local``, ``plan``, ``parameter default``, ``parent
    parameter``, ``mapping`` or ``cdk app``; ``name`` the variable, local, parameter or
    mapping."""

    kind: str
    name: str
    value: Any

    def holds(self, text: str) -> bool:
        """Whether ``text`` appears in the value (in any string inside it)."""
        return _holds(self.value, text)


def _holds(value: Any, text: str) -> bool:
    if isinstance(value, str):
        return text in value
    if isinstance(value, Partial):
        return any(_holds(part, text) for part in value.parts) or _holds(value.document, text)
    if isinstance(value, Choice):
        return any(_holds(option, text) for option in value.options)
    if isinstance(value, Mapping):
        return any(_holds(item, text) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds(item, text) for item in value)
    return False


@dataclass(frozen=True)
class Origin:
    """Where a called module's value was decided: a module call argument (or a nested
    stack's parameter) in the caller's file."""

    path: str
    span: Span


@dataclass(frozen=True)
class Kpi:
    """A key performance indicator declared in the configuration (``kpis``): the CloudWatch
    metric that measures it (``namespace`` and ``metric``) or the CloudWatch Application
    Signals service level objective that tracks it (``slo``). ``path`` and ``line`` locate
    the declaration, for findings about it."""

    name: str = ""
    namespace: str | None = None
    metric: str | None = None
    slo: str | None = None
    path: str = ""
    line: int = 1

    @property
    def measure(self) -> str:
        """How messages name what measures it: ``Shop/OrdersPlaced`` or ``SLO `x```."""
        if self.slo is not None:
            return f"SLO `{self.slo}`"
        return f"metric `{self.namespace}/{self.metric}`"

    @property
    def label(self) -> str:
        """``KPI `orders placed` (metric `Shop/OrdersPlaced`)``, or without a name
        ``KPI metric `Shop/OrdersPlaced```."""
        return f"KPI `{self.name}` ({self.measure})" if self.name else f"KPI {self.measure}"


@dataclass(frozen=True)
class ProviderConfig:
    """A Terraform ``provider`` block (``alias`` is ``""`` for the default provider)."""

    name: str
    alias: str
    attributes: Mapping[str, Any]
    span: Span
    path: str


@dataclass(frozen=True)
class TerraformSettings:
    """The merged ``terraform {}`` blocks of a module."""

    required_version: Any = ABSENT
    required_providers: Mapping[str, Any] = field(default_factory=dict)
    backend: str | None = None
    cloud: bool = False
    span: Span | None = None
    path: str | None = None


@dataclass(frozen=True)
class Diagnostic:
    """A problem found while reading input: a parse error, an unreadable file."""

    path: str
    message: str
    line: int | None = None
    code: str = "parse-error"


@dataclass(frozen=True, eq=False)
class Unit:
    """What one parse produces: a Terraform module (a directory) or a CloudFormation template.

    ``path`` is the module directory or the template file, relative to the working
    directory with POSIX separators. ``files`` lists the files the unit was read from.
    """

    framework: Framework
    path: str
    resources: tuple[Resource, ...]
    files: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    # Terraform
    providers: tuple[ProviderConfig, ...] = ()
    settings: TerraformSettings | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    # variables with no default that no variable file sets: a caller must pass them
    required_variables: frozenset[str] = frozenset()
    called: frozenset[str] = frozenset()
    """Folders of the local modules this module calls and opslint followed, at any depth
    (normalised display paths); their resources are in ``resources`` with full addresses."""
    not_followed: tuple[tuple[str, str], ...] = ()
    """Module calls opslint did not follow: (address, why)."""
    not_created: frozenset[tuple[str, str]] = frozenset()
    """(file, address) of the root module's resources whose ``count`` or ``for_each`` is known
    to make no instance: they are not deployed, so they are not in ``resources``."""
    # CloudFormation
    parameters: Mapping[str, Any] = field(default_factory=dict)
    conditions: frozenset[str] = frozenset()
    is_sam: bool = False
    template_attributes: Mapping[str, Any] = field(default_factory=dict)
    stack_tags: frozenset[str] | None = frozenset()
    """Keys of the stack-level tags the repository gives this template when it deploys it
    (``samconfig.toml``, ``--tags`` of deploy commands; see :mod:`opslint.aws.stack_tags`);
    None when some cannot be read."""
    # Suppressions written in the unit's files
    directives: tuple[Directive, ...] = ()

    def by_type(self, *types: str) -> list[Resource]:
        """The resources of ``types`` the unit manages: never a data source (it reads
        something managed elsewhere) nor a module call."""
        wanted = set(types)
        return [r for r in self.resources if r.type in wanted and r.kind == "resource"]

    def by_name(self, name: str) -> Resource | None:
        """The resource, data source or module call at address ``name``."""
        for resource in self.resources:
            if resource.name == name:
                return resource
        return None

    @property
    def modules(self) -> list[Resource]:
        """Terraform ``module`` calls: ``type`` is ``module``, attributes hold ``source``,
        ``version`` and the inputs."""
        return [r for r in self.resources if r.kind == "module"]

    def resolve(self, value: Any) -> Resource | None:
        """The resource a :class:`Reference` (or an address string) points at, if the unit
        manages it. A data source reads something managed elsewhere, so what it points at
        is not ours to judge: None, like a resource outside the unit, and the check that
        followed it is counted as undecided."""
        address = value.address if isinstance(value, Reference) else value
        if not isinstance(address, str):
            return None
        resource = self.by_name(address)
        if resource is not None and resource.kind == "data":
            from opslint.undecided import note

            note(value if isinstance(value, Reference) else Reference(address))
            return None
        return resource

    def referrers(self, target: Resource) -> Iterator[Resource]:
        """Resources that reference ``target``."""
        for resource in self.resources:
            if target.name in resource.references:
                yield resource


@dataclass(frozen=True, eq=False)
class Repository:
    """The whole scan, for repository-level rules: the files git tracks, the repository
    files (CI definitions, CODEOWNERS, lock files, tfvars) and every parsed unit.

    ``root`` is the repository root as a display path (the git work tree holding the scan,
    ``repository-root`` of the configuration, else the one folder scanned); the other
    paths are display paths too (relative to the working directory, like finding paths).
    """

    root: str
    files: tuple[str, ...] = ()
    """Repository files found by the walk (see :func:`opslint.discover.repository_kind`)."""
    units: tuple[Unit, ...] = ()
    tracked: tuple[str, ...] | None = None
    """Display paths of the files git tracks below ``root``; None outside a git work tree
    (or without git)."""
    contents: Mapping[str, str] = field(default_factory=dict)
    """Text of each repository file, and of the scripts and local actions CI definitions
    run (see :func:`opslint.discover.ci_references`); unreadable files are missing."""
    kinds: Mapping[str, str] = field(default_factory=dict)
    """Repository file → its kind (``ci``, ``codeowners``, ``samconfig.toml``, ...; see
    :func:`opslint.discover.repository_kind`), classified once when the view is built."""

    def relative(self, path: str) -> str:
        """``path`` (a display path) relative to the repository root."""
        return relative_to(path, self.root)

    def display(self, relative: str) -> str:
        """A path relative to the repository root as a display path."""
        return display_of(relative, self.root)

    def files_of_kind(self, kind: str) -> list[str]:
        return [f for f in self.files if self.kinds.get(f) == kind]

    def ignored_by_git(self, paths: Sequence[str]) -> dict[str, tuple[str, int]]:
        """The ones of ``paths`` (display paths; they need not exist) that git ignores and
        does not track, each with the display path and line of the exclude file that
        ignores it; empty outside a git work tree. Asks ``git check-ignore``, so every
        ``.gitignore`` of the tree, ``.git/info/exclude`` and the global excludes count."""
        from opslint.worktree import ignored_by_git

        below = {relative_to(path, self.root): path for path in paths}
        return {
            below[name]: (display_of(source, self.root), line)
            for name, (source, line) in ignored_by_git(self.root, sorted(below)).items()
            if name in below
        }

    def is_tracked(self, path: str) -> bool | None:
        """Whether git tracks ``path`` (a display path); None when git cannot tell."""
        if self.tracked is None:
            return None
        return path in self._tracked_set

    @cached_property
    def _tracked_set(self) -> frozenset[str]:
        return frozenset(self.tracked or ())

    @cached_property
    def called_modules(self) -> frozenset[str]:
        """Paths of the Terraform modules of the scan that another module calls through a
        local ``source`` (``./modules/vpc``, ``../shared``)."""
        called: set[str] = set()
        for unit in self.units:
            if unit.framework != "terraform":
                continue
            called.update(unit.called)
            for call in unit.modules:
                if call.module:
                    continue
                source = call.get("source")
                if isinstance(source, str) and source.startswith(("./", "../")):
                    called.add(posixpath.normpath(posixpath.join(unit.path, source)))
        return frozenset(called)

    def root_modules(self) -> list[Unit]:
        """Terraform modules no other module of the scan calls: the ones ``terraform init``
        and ``apply`` run in."""
        return [
            u
            for u in self.units
            if u.framework == "terraform" and posixpath.normpath(u.path) not in self.called_modules
        ]


# --- findings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Suppression:
    """Why a finding is silenced: an inline directive (``inSource``, SARIF's word) or a
    configuration exception (``external``)."""

    kind: str
    justification: str
    source: str
    """Where the suppression is written: ``main.tf:12`` or ``.opslint.yaml``."""
    until: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "justification": self.justification,
            "source": self.source,
            "until": self.until,
        }


@dataclass(frozen=True)
class Directive:
    """An ``opslint:ignore`` written in a file (comment, Terraform JSON ``"//"`` key or
    CloudFormation ``Metadata``), before it is matched to findings."""

    path: str
    line: int
    ids: tuple[str, ...]
    reason: str
    until: str | None = None
    file_level: bool = False
    trailing: bool = False
    """Written after code on the same line (an attribute's line)."""
    next_code_line: int | None = None
    """The first line after the directive that is neither blank nor a comment."""
    misplaced: bool = False
    """An ``ignore-file`` directive below the file's first comment lines."""
    resource: str = ""
    """Set for directives read from a resource's ``Metadata`` (they apply to it)."""


@dataclass(frozen=True)
class Finding:
    """One result. ``path`` is relative to the working directory, POSIX separators."""

    rule_id: str
    practice_id: str
    severity: Severity
    path: str
    line: int
    end_line: int
    message: str
    resource: str = ""
    related_practices: tuple[str, ...] = ()
    fingerprint: str = ""
    framework: str = ""
    resource_type: str = ""
    suppression: Suppression | None = None
    baseline_state: str | None = None
    """With a baseline: ``new`` or ``unchanged`` (SARIF's ``baselineState``)."""
    construct_path: str = ""
    """For a resource of a CDK app: its construct path (``OrdersStack/OrderHandler/Resource``)."""

    @property
    def resource_label(self) -> str:
        """The resource as reporters show it: the logical ID or address, and for a CDK
        resource its construct path beside it (``OrderHandlerF9 OrdersStack/OrderHandler``)."""
        if self.construct_path:
            return f"{self.resource} {self.construct_path}"
        return self.resource

    @property
    def sort_key(self) -> tuple[str, int, str, int, str, str, str]:
        # one line of a CDK app can make the same resource in several stacks
        return (
            self.path,
            self.line,
            self.rule_id,
            self.end_line,
            self.resource,
            self.message,
            self.construct_path,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "practice_id": self.practice_id or None,
            "related_practices": list(self.related_practices),
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "resource": self.resource,
            "resource_type": self.resource_type,
            "framework": self.framework,
            "message": self.message,
            "fingerprint": self.fingerprint,
            **({"construct_path": self.construct_path} if self.construct_path else {}),
            **({"suppression": self.suppression.to_dict()} if self.suppression else {}),
            **({"baseline_state": self.baseline_state} if self.baseline_state else {}),
        }


def fingerprint(rule_id: str, path: str, resource: str, detail: str) -> str:
    """A fingerprint that survives moved lines and reformatting: rule, file, resource and
    what is wrong (the attribute path or a rule-given key), never line numbers."""
    # surrogatepass: a file name that is not UTF-8 (surrogate escapes) still hashes
    text = "\x1f".join((rule_id, path, resource, detail))
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


# --- path helpers --------------------------------------------------------------------------


def relative_to(path: str, folder: str) -> str:
    """Display path ``path`` relative to display path ``folder`` (POSIX separators;
    display paths are relative to the working directory)."""
    if folder in (".", ""):
        return path
    if path == folder:
        return "."
    prefix = folder.rstrip("/") + "/"
    if path.startswith(prefix):
        return path[len(prefix) :]
    return posixpath.relpath(path, folder)


def display_of(relative: str, folder: str) -> str:
    """Path ``relative`` (to display path ``folder``) as a display path."""
    if folder in (".", ""):
        return relative
    if relative in (".", ""):
        return folder
    if folder.startswith(".."):  # the folder holds the working directory: normalise
        return PurePath(os.path.relpath(posixpath.join(folder, relative))).as_posix()
    return f"{folder.rstrip('/')}/{relative}"


def to_path(path: str | Path) -> Path:
    """``"a.b.0.c"`` → ``("a", "b", 0, "c")``; tuples pass through."""
    if isinstance(path, tuple):
        return path
    if not path:
        return ()
    return tuple(int(part) if part.isdigit() else part for part in path.split("."))


def lookup(root: Any, path: str | Path, default: Any = ABSENT) -> Any:
    """Walk ``path`` through nested dicts and lists (see :meth:`Resource.get`)."""
    steps = to_path(path)
    value: Any = root
    for index, step in enumerate(steps):
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Reference):
            return Unknown("attribute of a reference", str(value))
        if isinstance(value, Choice):
            rest = steps[index:]
            return Choice(
                tuple(
                    option if option is ABSENT else lookup(option, rest, ABSENT)
                    for option in value.options
                ),
                value.condition,
            )
        if isinstance(step, int):
            if isinstance(value, list) and -len(value) <= step < len(value):
                value = value[step]
                continue
            return default
        if isinstance(value, list):
            if not value:
                return default
            if len(value) > 1:
                return Unknown(f"{step!r} of a repeated block")
            value = value[0]
            if isinstance(value, (Unknown, Reference, Choice)):
                return lookup(value, steps[index:], default)
        if isinstance(value, Mapping) and step in value:
            value = value[step]
            continue
        return default
    # an attribute set to null is an attribute not set
    return default if value is None and steps else value


def _nearest_span(spans: Mapping[Path, Span], path: Path, fallback: Span) -> Span:
    for end in range(len(path), 0, -1):
        span = spans.get(path[:end])
        if span is not None:
            return span
    return fallback


def spans_within(spans: Mapping[Path, Span], outer: Span) -> bool:
    return all(outer.contains(span) for span in spans.values())


_DEFAULTS_TEXT = re.compile(r"with the defaults? ((?:`[^`]*`(?:, )?)+)$")


def _joined_assumptions(texts: Sequence[str]) -> str:
    """Several assumptions as one text; the parameter defaults they name are listed once
    (``with the defaults `A=1`, `B=`; if condition `C` holds``)."""
    defaults: list[str] = []
    others: list[str] = []
    for text in texts:
        match = _DEFAULTS_TEXT.fullmatch(text)
        if match:
            defaults.extend(re.findall(r"`([^`]*)`", match.group(1)))
        else:
            others.append(text)
    named = list(dict.fromkeys(defaults))
    if len(named) == 1:
        others.insert(0, f"with the default `{named[0]}`")
    elif named:
        others.insert(0, "with the defaults " + ", ".join(f"`{d}`" for d in named))
    return "; ".join(others)


def describe(value: Any) -> str:
    """A short human rendering of a value for messages."""
    if value is ABSENT:
        return "not set"
    if isinstance(value, Unknown):
        return value.source or "unknown"
    if isinstance(value, Reference):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(describe(v) for v in value) + "]"
    return str(value)
