"""AWS-owned account IDs that legitimately appear as literals in infrastructure code."""

from __future__ import annotations

ELB_LOG_DELIVERY_ACCOUNTS = frozenset(
    {
        "127311923021",  # us-east-1
        "033677994240",  # us-east-2
        "027434742980",  # us-west-1
        "797873946194",  # us-west-2
        "098369216593",  # af-south-1
        "754344448648",  # ap-east-1
        "589379963580",  # ap-southeast-3
        "718504428378",  # ap-south-1
        "383597477331",  # ap-northeast-3
        "600734575887",  # ap-northeast-2
        "114774131450",  # ap-southeast-1
        "783225319266",  # ap-southeast-2
        "582318560864",  # ap-northeast-1
        "985666609251",  # ca-central-1
        "054676820928",  # eu-central-1
        "156460612806",  # eu-west-1
        "652711504416",  # eu-west-2
        "635631232127",  # eu-south-1
        "009996457667",  # eu-west-3
        "897822967062",  # eu-north-1
        "076674570225",  # me-south-1
        "507241528517",  # sa-east-1
        "048591011584",  # us-gov-west-1
        "190560391635",  # us-gov-east-1
        "638102146993",  # cn-north-1
        "037604701340",  # cn-northwest-1
    }
)
"""Elastic Load Balancing's log delivery accounts (principals of access-log bucket policies,
for Regions launched before August 2022)."""

AWS_LAYER_PUBLISHERS = frozenset(
    {
        "580247275435",  # CloudWatch Lambda Insights extension
        "177933569100",  # AWS Parameters and Secrets Lambda extension
        "027255383542",  # AWS AppConfig Lambda extension
        "901920570463",  # AWS Distro for OpenTelemetry layers
        "017000801446",  # Powertools for AWS Lambda
        "094274105915",  # Powertools for AWS Lambda (Python v2+)
    }
)
"""Accounts in which AWS publishes public Lambda layers."""

AWS_OWNED_ACCOUNTS = ELB_LOG_DELIVERY_ACCOUNTS | AWS_LAYER_PUBLISHERS
