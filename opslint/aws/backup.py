"""AWS Backup: whether a backup selection of the unit covers a resource."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opslint.aws.tagging import tags_of
from opslint.coerce import as_list
from opslint.model import ABSENT, Choice, Reference, Resource, Unit, Unknown, is_known

SELECTION_TYPES = ("aws_backup_selection", "AWS::Backup::BackupSelection")


def covered_by_backup(unit: Unit, resource: Resource) -> bool | None:
    """True when a backup selection of ``unit`` names ``resource`` (by reference, ``*`` or a
    matching tag), False when no selection can cover it, None when a selection might (an
    ARN pattern, an unknown list, a condition opslint does not evaluate)."""
    verdict: bool | None = False
    for selection in unit.by_type(*SELECTION_TYPES):
        if selection.kind != "resource":
            continue
        for answer in _selection_covers(selection, resource, unit):
            if answer is True:
                return True
            if answer is None:
                verdict = None
    return verdict


def _selection_covers(selection: Resource, resource: Resource, unit: Unit) -> Iterator[bool | None]:
    if selection.framework == "terraform":
        resources = selection.get("resources")
        tags = [
            (t.get("type"), t.get("key"), t.get("value")) if isinstance(t, dict) else t
            for t in as_list(selection.get("selection_tag"))
        ]
        conditions = selection.get("condition")
    else:
        resources = selection.get("BackupSelection.Resources")
        tags = [
            (t.get("ConditionType"), t.get("ConditionKey"), t.get("ConditionValue"))
            if isinstance(t, dict)
            else t
            for t in as_list(selection.get("BackupSelection.ListOfTags"))
        ]
        conditions = selection.get("BackupSelection.Conditions")
    if isinstance(resources, (Unknown, Choice)):
        yield None
    else:
        for item in as_list(resources):
            yield _item_covers(item, resource)
    for tag in tags:
        yield _tag_covers(tag, resource, unit)
    if conditions is not ABSENT and conditions not in ({}, []):
        yield None


def _item_covers(item: Any, resource: Resource) -> bool | None:
    if isinstance(item, Reference):
        if item.address == resource.name:
            return True
        # a data source or module output may be this resource under another name
        return None if item.address.startswith(("data.", "module.")) else False
    if isinstance(item, Unknown):
        return True if resource.name in item.references else None
    if isinstance(item, Choice):
        return None
    if isinstance(item, str):
        if item == "*":
            return True
        # an ARN or ARN pattern of a resource outside the unit, or a wildcard we do not match
        return None if "*" in item else False
    return None


def _tag_covers(tag: Any, resource: Resource, unit: Unit) -> bool | None:
    if not isinstance(tag, tuple) or not is_known(tag):
        return None
    kind, key, value = tag
    if not isinstance(kind, str) or kind.upper() != "STRINGEQUALS":
        return None
    tags = tags_of(resource).as_map()
    if tags is None:
        return None
    if tags.get(key) == value:
        return True
    if resource.framework == "terraform" and any(
        p.attributes.get("default_tags") not in (None, ABSENT) for p in unit.providers
    ):
        return None  # the provider's default tags may add it
    return False
