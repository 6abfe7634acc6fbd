"""Where findings on the resources of called Terraform modules go.

A value a caller's argument decided is reported on that argument (the line the user edits),
with the full module address and the chain of calls. A finding no argument decided is about
the child module itself when every instance of the resource has it: it is reported once, on
the child's resource, named as in its module. When only some instances have it (an alarm
covers one call's function but not another's), it is reported on each such module call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from opslint.model import Finding, Resource, Span, Unit, fingerprint


def installed(path: str) -> bool:
    """A file ``terraform init`` installed (``.terraform/modules/...``): never reported on;
    its findings go to the user's module call."""
    return path.startswith(".terraform/") or "/.terraform/" in path


@dataclass(frozen=True)
class Placed:
    path: str
    span: Span
    name: str
    message: str
    shared: bool
    """On the child's own resource (no caller argument decided it)."""


def locate(
    resource: Resource, span: Span, message: str, origin_path: tuple[str | int, ...] | None
) -> Placed:
    """Where a finding on ``resource`` at ``span`` goes; ``origin_path`` is the attribute
    path to look up the caller's argument for (None: never a caller's argument)."""
    assumption = resource.assumption(origin_path or ())
    if assumption:
        message = f"{message} ({assumption})"
    if not resource.module:
        return Placed(resource.path, span, resource.name, message, False)
    origin = None if origin_path is None else resource.origin(origin_path)
    if origin is not None and not installed(origin.path):
        return Placed(
            origin.path, origin.span, resource.name, f"{message} (via {resource.via})", False
        )
    local = resource.local_name
    return Placed(
        resource.path, span, local, message.replace(f"`{resource.name}`", f"`{local}`"), True
    )


class SharedFindings:
    """Findings on called modules' resources that no caller argument decided, until every
    unit is checked: then each is reported once when all instances of the resource have it,
    else on each module call whose instance has it."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._instances: Counter[tuple[str, str]] = Counter()
        for unit in units:
            for resource in unit.resources:
                if resource.module:
                    self._instances[(resource.path, resource.local_name)] += 1
        self._pending: dict[str, list[tuple[Finding, Finding]]] = {}

    def add(self, finding: Finding, resource: Resource, unit: Unit) -> None:
        if resource.framework == "cloudformation":
            call_name = resource.module.split("/", 1)[0]
        else:
            call_name = ".".join(resource.module.split(".")[:2])
        call = unit.by_name(call_name)
        path, span = (
            (call.path, call.span)
            if call is not None
            else (finding.path, Span(finding.line, finding.end_line))
        )
        message = finding.message.replace(f"`{finding.resource}`", f"`{resource.name}`")
        at_call = replace(
            finding,
            path=path,
            line=span.line,
            end_line=span.end_line,
            resource=resource.name,
            message=f"{message} (via {resource.via})",
            fingerprint=fingerprint(finding.rule_id, path, resource.name, finding.fingerprint),
        )
        self._pending.setdefault(finding.fingerprint, []).append((finding, at_call))

    def findings(self) -> list[Finding]:
        result: list[Finding] = []
        for items in self._pending.values():
            shared = items[0][0]
            everywhere = len(items) >= self._instances[(shared.path, shared.resource)]
            if everywhere and not installed(shared.path):
                result.append(shared)
            else:
                result.extend(at_call for _, at_call in items)
        return result
