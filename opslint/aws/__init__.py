"""AWS domain knowledge shared by several rules (alarms, tags, stateful types, ...)."""
