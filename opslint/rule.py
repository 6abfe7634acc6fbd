"""The rule plugin API.

A rule is a class with its metadata declared once and one of three ways to check:

* **declarative**: ``checks = (Expect(...), ...)`` for "this attribute must be set / must
  (not) equal"; nothing else to write;
* **per resource**: override :meth:`Rule.check_terraform` and/or
  :meth:`Rule.check_cloudformation`, called for every resource whose type the rule lists in
  ``resource_types``;
* **whole unit**: override :meth:`Rule.check_unit` for cross-resource rules (an alarm
  covers a function; a topic has a subscriber);
* **whole repository**: override :meth:`Rule.check_repository` (and
  :meth:`Rule.applies_to_repository`) for rules about the repository rather than one unit
  (files git tracks, CI definitions, which modules are roots).

Each yields :class:`Violation` objects; the runner turns them into findings with the file,
exact lines, severity and fingerprint. Values the parser could not resolve are
:class:`~opslint.model.Unknown` and must never produce a violation: the helpers here
(``Expect``, :func:`every_alternative`) already honour that.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from opslint.model import (
    ABSENT,
    FRAMEWORKS,
    Choice,
    Framework,
    Path,
    Reference,
    Repository,
    Resource,
    Severity,
    Unit,
    Unknown,
    alternatives,
    describe,
    to_path,
)

RULE_ID_PATTERN = re.compile(r"^(OPS\d\d-BP\d\d)/[a-z0-9]+(-[a-z0-9]+)*$")

OPTION_TYPES: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "list[str]": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
}


@dataclass(frozen=True)
class Option:
    """A rule option: ``name`` as written in config, one of :data:`OPTION_TYPES`, a default."""

    name: str
    type: str
    default: Any
    description: str

    def accepts(self, value: Any) -> bool:
        return OPTION_TYPES[self.type](value)


@dataclass(frozen=True)
class Example:
    """A failing and a passing snippet in one language (``terraform``, ``cloudformation``
    or ``sam``)."""

    language: str
    failing: str
    passing: str


@dataclass(frozen=True)
class Docs:
    """A rule's documentation, in ruff's shape; ``opslint explain`` and ``docs/rules/`` are
    generated from it."""

    what: str
    why: str
    fix: str
    examples: tuple[Example, ...]
    unknown: str = (
        "A value opslint cannot resolve (an unset variable or one whose default is null, a "
        "module output, a function it does not evaluate, a parameter without a default) never "
        "produces a finding."
    )
    cautions: str = ""


@dataclass(frozen=True)
class Violation:
    """What a rule reports. The runner adds rule, practice, severity, file and lines.

    ``attribute`` locates the finding on that attribute (or its nearest written ancestor);
    empty means the whole resource. ``key`` distinguishes several violations of one rule on
    one resource in the fingerprint (default: the attribute path).

    A finding about a file rather than a resource (a tracked state file, a missing lock
    file) has no ``resource`` and gives ``path`` (a display path) and ``line``/``end_line``.
    """

    resource: Resource | None
    message: str
    attribute: str | Path = ()
    key: str = ""
    meta: bool = False
    """The attribute is a resource attribute (CloudFormation ``DeletionPolicy``) or
    Terraform meta-argument (``lifecycle``), not a property/argument."""
    path: str = ""
    line: int = 1
    end_line: int = 0
    """0: the same as ``line``."""
    severity: Severity | None = None
    """For rules that grade their findings (a runtime deprecated soon: note; blocked: error);
    None means the rule's default. A severity set in the configuration wins over both."""


@dataclass(frozen=True)
class Context:
    """What a check may read besides the resource: its unit, its options, the scan root."""

    unit: Unit
    options: Mapping[str, Any] = field(default_factory=dict)
    root: str = "."
    today: datetime.date = field(default_factory=datetime.date.today)
    """The run's date (``--as-of``), for rules that judge dates (runtime end of life)."""

    def option(self, name: str) -> Any:
        return self.options[name]


@dataclass(frozen=True)
class RepositoryContext:
    """What a repository check may read besides the repository: options and the date."""

    options: Mapping[str, Any] = field(default_factory=dict)
    root: str = "."
    today: datetime.date = field(default_factory=datetime.date.today)

    def option(self, name: str) -> Any:
        return self.options[name]


def resource_label(resource: Resource) -> str:
    """How messages name a resource: ``aws_lambda_function.api`` or ``ApiFunction``."""
    return f"`{resource.name}`"


def every_alternative(value: Any, bad: Callable[[Any], bool | None]) -> bool:
    """True when every value ``value`` may take is bad.

    ``bad`` returns True (bad), False (good) or None (cannot tell). Unknown values and
    references count as "cannot tell", so they never make a rule report.
    """
    options = alternatives(value)
    for option in options:
        if isinstance(option, (Unknown, Reference, Choice)):
            return False
        verdict = bad(option)
        if verdict is not True:
            return False
    return bool(options)


def as_number(value: Any) -> float | None:
    """A number from an int, float or numeric string (CloudFormation and Terraform both
    accept ``"30"``); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def as_bool(value: Any) -> bool | None:
    """A boolean from a bool or ``"true"``/``"false"`` (any case); None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool):
        return as_bool(actual) is expected
    if isinstance(expected, (int, float)):
        return as_number(actual) == expected
    return bool(actual == expected)


@dataclass(frozen=True)
class Expect:
    """Declarative check: on resources of ``resource_type``, the attribute at ``attribute``
    must be set and, when given, equal one of ``one_of`` and none of ``none_of``.

    ``required=False`` lets a missing attribute pass (only present values are judged);
    ``default`` is the value the provider uses when it is missing (judged like a set value).
    Messages are templates with ``{resource}``, ``{attribute}``, ``{value}`` and
    ``{expected}``.
    """

    resource_type: str
    attribute: str
    one_of: tuple[Any, ...] = ()
    none_of: tuple[Any, ...] = ()
    required: bool = True
    default: Any = ABSENT
    message: str = "{resource} sets `{attribute}` to {value}; expected {expected}"
    missing_message: str = "{resource} does not set `{attribute}`; set it to {expected}"

    @property
    def framework(self) -> Framework:
        return "cloudformation" if "::" in self.resource_type else "terraform"

    def _bad(self, value: Any) -> bool | None:
        if value is ABSENT:
            return self.required
        if self.one_of and not any(_same(value, e) for e in self.one_of):
            return True
        return bool(self.none_of and any(_same(value, e) for e in self.none_of))

    def evaluate(self, resource: Resource) -> Violation | None:
        value = resource.get(self.attribute)
        judged = self.default if value is ABSENT and self.default is not ABSENT else value
        if not every_alternative(judged, self._bad):
            return None
        expected = " or ".join(describe(e) for e in self.one_of) or "a value"
        if self.none_of and not self.one_of:
            expected = "anything but " + " or ".join(describe(e) for e in self.none_of)
        shown = [a for a in alternatives(value) if a is not ABSENT]
        template = self.missing_message if not shown else self.message
        text = template.format(
            resource=resource_label(resource),
            attribute=self.attribute,
            value=" / ".join(describe(v) for v in shown) or "not set",
            expected=expected,
        )
        return Violation(resource, text, attribute=self.attribute)


class Rule:
    """Base class of every rule. Subclasses declare the class attributes below."""

    id: ClassVar[str]
    """``<practice-id>/<slug>``, stable once released."""
    title: ClassVar[str]
    """One line: what a passing resource looks like."""
    severity: ClassVar[Severity] = Severity.WARNING
    enabled_by_default: ClassVar[bool] = True
    """False for opt-in rules: they run only when the configuration enables them
    (``enabled: true``) or ``--select`` names their ID; a practice counts as automated only
    through rules that are on by default."""
    related: ClassVar[tuple[str, ...]] = ()
    """Further practices the rule serves (scorecard and SARIF taxa)."""
    resource_types: ClassVar[Mapping[Framework, tuple[str, ...]]] = {}
    """Types the rule inspects per framework; derived from ``checks`` when not given."""
    checks: ClassVar[tuple[Expect, ...]] = ()
    options: ClassVar[tuple[Option, ...]] = ()
    docs: ClassVar[Docs]

    source: ClassVar[str] = ""
    """Where the rule was loaded from (set by the loader)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.checks and not cls.__dict__.get("resource_types"):
            derived: dict[Framework, tuple[str, ...]] = {}
            for check in cls.checks:
                types = derived.get(check.framework, ())
                if check.resource_type not in types:
                    derived[check.framework] = (*types, check.resource_type)
            cls.resource_types = derived

    @classmethod
    def practice(cls) -> str:
        return cls.id.split("/", 1)[0]

    @classmethod
    def practices(cls) -> tuple[str, ...]:
        return (cls.practice(), *cls.related)

    @classmethod
    def frameworks(cls) -> tuple[Framework, ...]:
        return tuple(f for f in FRAMEWORKS if cls.resource_types.get(f))

    @classmethod
    def default_options(cls) -> dict[str, Any]:
        return {o.name: o.default for o in cls.options}

    def applies_to(self, unit: Unit) -> bool:
        """Whether the unit has anything in this rule's scope (the scorecard's "not
        applicable" when no unit does). Whole-unit rules may override it."""
        types = self.resource_types.get(unit.framework, ())
        return any(r.type in types and r.kind == "resource" for r in unit.resources)

    def check_unit(self, unit: Unit, ctx: Context) -> Iterable[Violation]:
        """Check a whole unit. The default calls the per-resource checks for every resource
        of the rule's types."""
        types = self.resource_types.get(unit.framework, ())
        for resource in unit.resources:
            if resource.type not in types or resource.kind != "resource":
                continue
            if unit.framework == "terraform":
                yield from self.check_terraform(resource, ctx)
            else:
                yield from self.check_cloudformation(resource, ctx)

    def applies_to_repository(self, repo: Repository) -> bool:
        """Whether the repository has anything in this repository rule's scope (the
        scorecard's "not applicable" otherwise)."""
        return False

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterable[Violation]:
        """Check the whole scan once per run (after the unit checks). Default: nothing."""
        return ()

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterable[Violation]:
        return self._run_checks(resource)

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterable[Violation]:
        return self._run_checks(resource)

    def _run_checks(self, resource: Resource) -> Iterator[Violation]:
        for check in self.checks:
            if check.resource_type == resource.type:
                violation = check.evaluate(resource)
                if violation is not None:
                    yield violation

    def violation(
        self,
        resource: Resource,
        message: str,
        attribute: str | Path = (),
        key: str = "",
        severity: Severity | None = None,
    ) -> Violation:
        return Violation(
            resource, message, attribute=to_path(attribute), key=key, severity=severity
        )

    def file_violation(
        self, path: str, message: str, line: int = 1, end_line: int = 0, key: str = ""
    ) -> Violation:
        """A violation about a file (or folder, such as the repository root) rather than a
        resource; ``key`` tells apart several on one file in the fingerprint."""
        return Violation(None, message, key=key, path=path, line=line, end_line=end_line)
