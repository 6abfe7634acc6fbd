"""What a check reads and what it yields: the contexts a rule gets, :class:`Violation`
(made by :func:`make_violation`, which ``Rule.violation`` is), the one question every check
asks (:func:`every_alternative`) and the declarative :class:`Expect`.

``opslint.rule`` re-exports all of it: rules import from there.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from opslint.coerce import as_bool, as_number
from opslint.model import (
    ABSENT,
    AnyPath,
    Attr,
    Choice,
    Framework,
    Kpi,
    Partial,
    Path,
    Reference,
    Resource,
    Severity,
    Unit,
    Unknown,
    alternatives,
    describe,
)
from opslint.undecided import checking, note


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
        checking(resource)
        return resource

    def each(self, resources: Iterable[Resource]) -> Iterator[Resource]:
        """``resources``, each recorded as the one being checked while the loop body runs
        (as the per-resource dispatch does): ``for alarm in ctx.each(alarms(unit)):`` in a
        whole-unit rule."""
        for resource in resources:
            yield self.check(resource)
        self.checking.resource = None

    def option(self, name: str) -> Any:
        return self.options[name]


@dataclass(frozen=True)
class RepositoryContext:
    """What a repository check may read besides the repository: options, the date and the
    key performance indicators the configuration declares."""

    options: Mapping[str, Any] = field(default_factory=dict)
    root: str = "."
    today: datetime.date = field(default_factory=datetime.date.today)
    kpis: tuple[Kpi, ...] = ()

    def option(self, name: str) -> Any:
        return self.options[name]


def resource_label(resource: Resource) -> str:
    """How messages name a resource: ``aws_lambda_function.api`` or ``ApiFunction``."""
    return f"`{resource.name}`"


def every_alternative(
    value: Any, bad: Callable[[Any], bool | None], *, partial: bool = False
) -> bool:
    """True when every value ``value`` may take is bad.

    ``bad`` returns True (bad), False (good) or None (cannot tell). Unknown values and
    references count as "cannot tell", so they never make a rule report. With ``partial``,
    a partly known value (:class:`~opslint.model.Partial`) is handed to ``bad``, which judges
    its known parts (:mod:`opslint.partial`) and says None when they do not decide.
    """
    options = alternatives(value)
    for option in options:
        if partial and isinstance(option, Partial) and option.parts:
            if bad(option) is not True:
                return False
            continue
        if isinstance(option, (Unknown, Reference, Choice)):
            note(option)
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
