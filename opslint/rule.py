"""The rule plugin API.

A rule is a class with its metadata declared once and one way to check each kind of thing:

* **declarative**: ``checks = (Expect(...), ...)`` for value checks (set / one of / none of /
  at least an option's threshold / a predicate, behind an optional guard), one message for
  every framework; nothing else to write;
* **per resource**: override :meth:`Rule.check_resource`, called for every resource whose type
  the rule lists in ``resource_types``; framework-neutral names (:class:`Attr`) read the same
  attribute in Terraform and CloudFormation. :meth:`Rule.check_terraform` and
  :meth:`Rule.check_cloudformation` remain for a rule whose frameworks share nothing;
* **whole unit**: override :meth:`Rule.check_unit` for cross-resource rules (an alarm
  covers a function; a topic has a subscriber);
* **whole repository**: override :meth:`Rule.check_repository` (and
  :meth:`Rule.applies_to_repository`) for rules about the repository rather than one unit
  (files git tracks, CI definitions, which modules are roots).

Each yields :class:`Violation` objects made by :meth:`Rule.violation` (or
:meth:`Rule.file_violation` for a file); the runner turns them into findings with the file,
exact lines, severity and fingerprint. Values the parser could not resolve are
:class:`~opslint.model.Unknown` and must never produce a violation: the helpers here
(``Expect``, :func:`every_alternative`) already honour that.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

from opslint.coerce import as_bool as as_bool  # re-exported for rules written for 0.1
from opslint.coerce import as_number as as_number
from opslint.model import (
    ABSENT,
    FRAMEWORKS,
    AnyPath,
    Attr,
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


FENCES = {"terraform": "hcl", "cloudformation": "yaml", "sam": "yaml"}
SYNTAX_TITLES = {
    "codeowners": "CODEOWNERS",
    "github-workflow": "GitHub Actions workflow",
    "buildspec": "CodeBuild buildspec",
    "samconfig": "samconfig.toml",
    "console": "repository files",
}


@dataclass(frozen=True)
class Example:
    """A failing and a passing snippet for one framework (``terraform``, ``cloudformation``
    or ``sam``).

    ``syntax`` names how the snippets are written, and is their code fence: ``hcl`` or
    ``yaml`` by default, ``codeowners``, ``github-workflow``, ``buildspec``, ``samconfig``
    for repository files (a first line ``# <path>`` names the file), ``console`` for a
    listing (``$ ls infra/``, ``$ git ls-files``). ``given`` holds the files the example
    assumes besides the snippet (path → text); the test that runs every example writes
    them beside it. A YAML snippet may be resources only (it is placed under
    ``Resources``).
    """

    language: str
    failing: str
    passing: str
    syntax: str = ""
    given: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def fence(self) -> str:
        return self.syntax or FENCES.get(self.language, "")

    @property
    def title(self) -> str:
        """How pages label it: the framework, or the kind of file for repository files."""
        if self.syntax in SYNTAX_TITLES:
            return SYNTAX_TITLES[self.syntax]
        return {"terraform": "Terraform", "cloudformation": "CloudFormation", "sam": "SAM"}.get(
            self.language, self.language
        )


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


@dataclass
class Checking:
    """The resource a rule is checking, recorded by the per-resource dispatch (and by
    whole-unit rules through :meth:`Context.check`), so that a rule that fails names it."""

    resource: Resource | None = None


@dataclass(frozen=True)
class Context:
    """What a check may read besides the resource: its unit, its options, the scan root."""

    unit: Unit
    options: Mapping[str, Any] = field(default_factory=dict)
    root: str = "."
    today: datetime.date = field(default_factory=datetime.date.today)
    """The run's date (``--as-of``), for rules that judge dates (runtime end of life)."""
    checking: Checking = field(default_factory=Checking, compare=False)

    def check(self, resource: Resource) -> Resource:
        """Record that ``resource`` is being checked (a failure is reported on it)."""
        self.checking.resource = resource
        return resource

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


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool):
        return as_bool(actual) is expected
    if isinstance(expected, (int, float)):
        return as_number(actual) == expected
    return bool(actual == expected)


Bound: TypeAlias = "float | str"
"""A threshold: a number, or the name of the rule option that holds it."""


@dataclass(frozen=True)
class Expect:
    """Declarative check: on resources of ``resource_type`` (one type or several, of any
    framework), the attribute at ``attribute`` (a path, or an :class:`Attr` naming it per
    framework) must be set and, when given:

    * equal one of ``one_of`` and none of ``none_of``;
    * be a number of at least ``at_least`` / at most ``at_most`` (a number or the name of an
      option holding it);
    * not be judged bad by ``bad`` (True: bad, False: good, None: cannot tell).

    ``required=False`` lets a missing attribute pass (only present values are judged);
    ``default`` is the value the provider uses when it is missing (judged like a set value).
    ``when`` is a guard: only resources for which it returns True are judged.

    Messages are templates with ``{resource}`` (the resource's name in backticks),
    ``{name}`` (without them), ``{attribute}``, ``{value}``, ``{expected}``, the rule's
    options by name and the fields ``details`` gives for the resource (a noun for its type,
    advice that depends on another attribute); ``expected`` overrides how a good value is
    described.
    """

    resource_type: str | tuple[str, ...]
    attribute: str | Attr
    one_of: tuple[Any, ...] = ()
    none_of: tuple[Any, ...] = ()
    required: bool = True
    default: Any = ABSENT
    at_least: Bound | None = None
    at_most: Bound | None = None
    bad: Callable[[Any], bool | None] | None = None
    when: Callable[[Resource, Context], bool] | None = None
    details: Callable[[Resource], Mapping[str, str]] | None = None
    message: str = "{resource} sets `{attribute}` to {value}; expected {expected}"
    missing_message: str = "{resource} does not set `{attribute}`; set it to {expected}"
    expected: str = ""

    @property
    def types(self) -> tuple[str, ...]:
        if isinstance(self.resource_type, str):
            return (self.resource_type,)
        return self.resource_type

    @property
    def framework(self) -> Framework:
        """The framework of the first type (see :func:`framework_of`)."""
        return framework_of(self.types[0])

    def _bound(self, bound: Bound, ctx: Context) -> float:
        return float(ctx.options[bound]) if isinstance(bound, str) else bound

    def _bad(self, value: Any, ctx: Context) -> bool | None:
        if value is ABSENT:
            return self.required
        if self.one_of and not any(_same(value, e) for e in self.one_of):
            return True
        if self.none_of and any(_same(value, e) for e in self.none_of):
            return True
        verdicts: list[bool | None] = []
        for bound, too_far in ((self.at_least, float.__lt__), (self.at_most, float.__gt__)):
            if bound is not None:
                number = as_number(value)
                verdicts.append(
                    None if number is None else too_far(float(number), self._bound(bound, ctx))
                )
        if self.bad is not None:
            verdicts.append(self.bad(value))
        if True in verdicts:
            return True
        return None if None in verdicts else False

    def _expected(self, ctx: Context) -> str:
        if self.expected:
            return self.expected.format(**ctx.options)
        parts = []
        if self.one_of:
            parts.append(" or ".join(describe(e) for e in self.one_of))
        elif self.none_of:
            parts.append("anything but " + " or ".join(describe(e) for e in self.none_of))
        for word, bound in (("at least", self.at_least), ("at most", self.at_most)):
            if bound is not None:
                shown = ctx.options[bound] if isinstance(bound, str) else bound
                parts.append(f"{word} {describe(shown)}")
        return " and ".join(parts) or "a value"

    def evaluate(self, resource: Resource, ctx: Context) -> Violation | None:
        if resource.type not in self.types:
            return None
        if self.when is not None and not self.when(resource, ctx):
            return None
        value = resource.get(self.attribute)
        judged = self.default if value is ABSENT and self.default is not ABSENT else value
        if not every_alternative(judged, lambda v: self._bad(v, ctx)):
            return None
        shown = [a for a in alternatives(value) if a is not ABSENT]
        template = self.missing_message if not shown else self.message
        path = resource.path_of(self.attribute)
        text = template.format(
            **ctx.options,
            **(self.details(resource) if self.details else {}),
            resource=resource_label(resource),
            name=resource.name,
            attribute=".".join(str(step) for step in path),
            value=" / ".join(describe(v) for v in shown) or "not set",
            expected=self._expected(ctx),
        )
        return make_violation(resource, text, attribute=path)


def framework_of(resource_type: str) -> Framework:
    """``AWS::Logs::LogGroup`` is CloudFormation's, ``aws_cloudwatch_log_group`` Terraform's."""
    return "cloudformation" if "::" in resource_type else "terraform"


def make_violation(
    resource: Resource,
    message: str,
    attribute: AnyPath = (),
    key: str = "",
    severity: Severity | None = None,
    meta: bool = False,
) -> Violation:
    """The one way a violation on a resource is made (:meth:`Rule.violation` is this)."""
    return Violation(
        resource,
        message,
        attribute=resource.path_of(attribute),
        key=key,
        meta=meta,
        severity=severity,
    )


class Rule:
    """Base class of every rule. Subclasses declare the class attributes below."""

    id: ClassVar[str]
    """``<practice-id>/<slug>``, stable once released."""
    title: ClassVar[str]
    """One line: what a passing resource looks like."""
    severity: ClassVar[Severity] = Severity.WARNING
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
                for resource_type in check.types:
                    types = derived.get(framework_of(resource_type), ())
                    if resource_type not in types:
                        derived[framework_of(resource_type)] = (*types, resource_type)
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
        """Check a whole unit. The default calls :meth:`check_resource` for every resource
        of the rule's types, recording which one it is checking."""
        types = self.resource_types.get(unit.framework, ())
        for resource in unit.resources:
            if resource.type not in types or resource.kind != "resource":
                continue
            yield from self.check_resource(ctx.check(resource), ctx)
        ctx.checking.resource = None

    def applies_to_repository(self, repo: Repository) -> bool:
        """Whether the repository has anything in this repository rule's scope (the
        scorecard's "not applicable" otherwise)."""
        return False

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterable[Violation]:
        """Check the whole scan once per run (after the unit checks). Default: nothing."""
        return ()

    def check_resource(self, resource: Resource, ctx: Context) -> Iterable[Violation]:
        """Check one resource of the rule's types (any framework). The default runs
        :meth:`check_terraform` or :meth:`check_cloudformation`, whose defaults run
        ``checks``."""
        if resource.framework == "terraform":
            return self.check_terraform(resource, ctx)
        return self.check_cloudformation(resource, ctx)

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterable[Violation]:
        return self._run_checks(resource, ctx)

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterable[Violation]:
        return self._run_checks(resource, ctx)

    def _run_checks(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        for check in self.checks:
            violation = check.evaluate(resource, ctx)
            if violation is not None:
                yield violation

    def violation(
        self,
        resource: Resource,
        message: str,
        attribute: AnyPath = (),
        key: str = "",
        severity: Severity | None = None,
        meta: bool = False,
    ) -> Violation:
        """A violation on ``resource``, located on ``attribute`` (a path or an :class:`Attr`;
        empty: the whole resource); ``meta``: a Terraform meta-argument or CloudFormation
        resource attribute."""
        return make_violation(resource, message, attribute, key, severity, meta)

    def file_violation(
        self, path: str, message: str, line: int = 1, end_line: int = 0, key: str = ""
    ) -> Violation:
        """A violation about a file (or folder, such as the repository root) rather than a
        resource; ``key`` tells apart several on one file in the fingerprint."""
        return Violation(None, message, key=key, path=path, line=line, end_line=end_line)
