"""checkov integration: its checks keyed to Operational Excellence practices.

Nothing here imports checkov on import; see :mod:`opslint.checkov.scan`.
"""
