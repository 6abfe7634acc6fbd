"""The AWS Lambda runtime lifecycle: when each runtime is deprecated and blocked.

The table is the one cfn-lint ships (``cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json``,
copied from the AWS Lambda runtimes page, with successor runtimes); it is read lazily, once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import Enum
from functools import cache

from opslint.aws.cfnlint_data import additional_spec

LIFECYCLE_FILE = "LmbdRuntimeLifecycle.json"


class Status(Enum):
    """Where a runtime stands on a date, worst first."""

    UPDATE_BLOCKED = "update-blocked"
    CREATE_BLOCKED = "create-blocked"
    DEPRECATED = "deprecated"
    DEPRECATION_SOON = "deprecation-soon"
    SUPPORTED = "supported"


@dataclass(frozen=True)
class Lifecycle:
    """One runtime's dates (None when AWS has not announced them) and successor."""

    runtime: str
    deprecated: datetime.date | None
    create_block: datetime.date | None
    update_block: datetime.date | None
    successor: str | None

    def status(self, today: datetime.date, notice_days: int) -> Status:
        if self.update_block is not None and self.update_block <= today:
            return Status.UPDATE_BLOCKED
        if self.create_block is not None and self.create_block <= today:
            return Status.CREATE_BLOCKED
        if self.deprecated is not None and self.deprecated <= today:
            return Status.DEPRECATED
        soon = today + datetime.timedelta(days=notice_days)
        if self.deprecated is not None and self.deprecated <= soon:
            return Status.DEPRECATION_SOON
        return Status.SUPPORTED


def _date(text: object) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if isinstance(text, str) else None


@cache
def lifecycles() -> dict[str, Lifecycle]:
    """Runtime identifier → its lifecycle, from cfn-lint's package data."""
    table = additional_spec(LIFECYCLE_FILE)
    return {
        name: Lifecycle(
            runtime=name,
            deprecated=_date(row.get("deprecated")),
            create_block=_date(row.get("create-block")),
            update_block=_date(row.get("update-block")),
            successor=row.get("successor") if isinstance(row.get("successor"), str) else None,
        )
        for name, row in table.items()
    }


def lifecycle(runtime: str) -> Lifecycle | None:
    """The lifecycle of ``runtime``; None for identifiers the table does not know."""
    return lifecycles().get(runtime)
