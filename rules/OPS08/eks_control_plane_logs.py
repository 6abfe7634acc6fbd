"""OPS08-BP02/eks-control-plane-logs: EKS clusters send control-plane logs to CloudWatch."""

from collections.abc import Iterator
from typing import Any

from opslint.model import ABSENT, Choice, Reference, Resource, Severity, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

ATTRIBUTE = {
    "terraform": "enabled_cluster_log_types",
    "cloudformation": "Logging.ClusterLogging.EnabledTypes",
}


def _enabled_types(value: Any, framework: str) -> set[str] | None:
    """The log types one alternative enables; None when opslint cannot tell."""
    if value is ABSENT:
        return set()
    if not isinstance(value, list):
        return None
    types: set[str] = set()
    for item in value:
        if framework == "cloudformation":
            item = item.get("Type", ABSENT) if isinstance(item, dict) else Unknown("type")
        if not isinstance(item, str):
            return None
        types.add(item)
    return types


class EksControlPlaneLogs(Rule):
    id = "OPS08-BP02/eks-control-plane-logs"
    title = "EKS clusters send the required control-plane logs to CloudWatch Logs"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_eks_cluster",),
        "cloudformation": ("AWS::EKS::Cluster",),
    }
    options = (
        Option(
            "required_types",
            "list[str]",
            ["api", "audit"],
            "Control-plane log types every cluster must enable (of api, audit, "
            "authenticator, controllerManager, scheduler).",
        ),
    )
    docs = Docs(
        what=(
            "Checks that EKS clusters enable the required control-plane log types (by "
            "default `api` and `audit`; option `required_types`): "
            "`enabled_cluster_log_types` on `aws_eks_cluster`, "
            "`Logging.ClusterLogging.EnabledTypes` (a list of `{Type: ...}`) on "
            "`AWS::EKS::Cluster`. Nothing is enabled by default."
        ),
        why=(
            "OPS08-BP02 asks you to analyse workload logs. Without the API server and audit "
            "logs there is no record of who changed what in the cluster, and API errors "
            "and throttling cannot be investigated after the fact."
        ),
        fix=(
            'Enable at least the required types, e.g. `enabled_cluster_log_types = ["api", '
            '"audit"]`, and set a retention on the `/aws/eks/<name>/cluster` log group.'
        ),
        cautions=(
            "Control-plane logs are billed as CloudWatch Logs ingestion; teams that enable "
            "only some types for cost reasons can lower `required_types` (an empty list "
            "disables the rule's check)."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_eks_cluster" "main" {\n  name = "main"\n  # ...\n}',
                passing=(
                    'resource "aws_eks_cluster" "main" {\n  name = "main"\n  # ...\n'
                    '  enabled_cluster_log_types = ["api", "audit", "authenticator"]\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="Cluster:\n  Type: AWS::EKS::Cluster\n  Properties:\n    # ...",
                passing=(
                    "Cluster:\n  Type: AWS::EKS::Cluster\n  Properties:\n    # ...\n"
                    "    Logging:\n      ClusterLogging:\n        EnabledTypes:\n"
                    "          - Type: api\n          - Type: audit"
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        required: list[str] = ctx.option("required_types")
        if not required:
            return
        attribute = ATTRIBUTE[resource.framework]
        value = resource.get(attribute)
        missing: list[str] = []
        for option in alternatives(value):
            if isinstance(option, (Unknown, Reference, Choice)):
                return
            enabled = _enabled_types(option, resource.framework)
            if enabled is None:
                return
            lacking = [t for t in required if t not in enabled]
            if not lacking:
                return
            missing.extend(t for t in lacking if t not in missing)
        if value is ABSENT or all(o is ABSENT for o in alternatives(value)):
            message = (
                f"EKS cluster `{resource.name}` sends no control-plane logs to CloudWatch: "
                f"set `{attribute}` to include {', '.join(required)}"
            )
        else:
            message = (
                f"EKS cluster `{resource.name}` does not enable the {', '.join(missing)} "
                f"control-plane log{'s' if len(missing) > 1 else ''}: add "
                f"{'them' if len(missing) > 1 else 'it'} to `{attribute}`"
            )
        yield self.violation(resource, message, attribute=attribute)
