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

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from opslint.checks import (
    Bound,
    Checking,
    Context,
    Expect,
    RepositoryContext,
    Violation,
    every_alternative,
    framework_of,
    make_violation,
    resource_label,
)
from opslint.coerce import as_bool, as_number
from opslint.model import (
    FRAMEWORKS,
    AnyPath,
    Framework,
    Repository,
    Resource,
    Severity,
    Unit,
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
    enabled_by: ClassVar[str] = ""
    """For an opt-in rule: a top-level configuration key (``kpis``) whose value, when
    given, also turns the rule on."""
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
        self,
        path: str,
        message: str,
        line: int = 1,
        end_line: int = 0,
        key: str = "",
        severity: Severity | None = None,
    ) -> Violation:
        """A violation about a file (or folder, such as the repository root) rather than a
        resource; ``key`` tells apart several on one file in the fingerprint; ``severity``
        grades it (None: the rule's default)."""
        return Violation(
            None, message, key=key, path=path, line=line, end_line=end_line, severity=severity
        )


__all__ = [
    "RULE_ID_PATTERN",
    "Bound",
    "Checking",
    "Context",
    "Docs",
    "Example",
    "Expect",
    "Option",
    "RepositoryContext",
    "Rule",
    "Violation",
    "as_bool",
    "as_number",
    "every_alternative",
    "framework_of",
    "make_violation",
    "resource_label",
]
