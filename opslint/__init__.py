"""opslint: checks infrastructure code against the AWS Well-Architected Operational
Excellence pillar."""

__version__ = "0.1.0"
