"""IAM as CloudFormation templates write it: what a role's policies allow."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from opslint.model import Resource, Unit, alternatives

POLICIES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy")


def _statements(document: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(document, dict):
        return
    for statement in alternatives(document.get("Statement")):
        for item in statement if isinstance(statement, list) else [statement]:
            if isinstance(item, dict):
                yield item


def _documents(role: Resource, unit: Unit) -> Iterator[Any]:
    """The policy documents a CloudFormation role carries: inline ``Policies``, and the
    policies of the template that name it (``Roles`` of a policy, ``ManagedPolicyArns`` of
    the role)."""
    for policy in alternatives(role.get("Policies")):
        for item in policy if isinstance(policy, list) else [policy]:
            if isinstance(item, dict):
                yield item.get("PolicyDocument")
    for other in unit.resources:
        if other.type not in POLICIES:
            continue
        if role.name in other.references or other.name in role.references:
            yield other.get("PolicyDocument")


def allows(role: Resource, unit: Unit, actions: tuple[str, ...]) -> bool:
    """The role's policies (as far as the template shows them) allow one of ``actions``:
    an ``Allow`` statement names it, or a wildcard pattern covering it."""
    wanted = [a.lower() for a in actions]
    for document in _documents(role, unit):
        for statement in _statements(document):
            if statement.get("Effect") != "Allow":
                continue
            for written in alternatives(statement.get("Action")):
                for pattern in written if isinstance(written, list) else [written]:
                    if isinstance(pattern, str) and any(
                        fnmatchcase(a, pattern.lower()) for a in wanted
                    ):
                        return True
    return False


def instance_roles(launcher: Resource, unit: Unit) -> list[Resource]:
    """The roles of the instances a launch template or launch configuration starts
    (through the instance profile it names)."""
    roles: list[Resource] = []
    for profile in (unit.by_name(name) for name in sorted(launcher.references)):
        if profile is None or profile.type != "AWS::IAM::InstanceProfile":
            continue
        for name in sorted(profile.references):
            role = unit.by_name(name)
            if role is not None and role.type == "AWS::IAM::Role":
                roles.append(role)
    return roles
