"""Terraform parser: one module directory (its ``.tf``, ``.tf.json`` and ``.tfvars`` files) → one
:class:`~opslint.model.Unit`.

1. **Read and parse** every file once (``utf-8-sig``): HCL with tree-sitter-hcl into the syntax
   model of :mod:`.syntax` (exact positions; a syntax error costs only its top-level block),
   Terraform JSON with a strict JSON reader that keeps line marks (:mod:`.json_syntax`). A file
   that cannot be read or parsed becomes a :class:`~opslint.model.Diagnostic` and the rest of
   the module is still used.
2. **Collect** declarations (:mod:`.module`): variables, locals, resources, data sources, module
   calls, providers and ``terraform`` settings. ``override.tf`` / ``*_override.tf`` files are
   merged last, as Terraform does.
3. **Resolve** variables by Terraform's precedence, then evaluate every block (:mod:`.bodies`)
   with one small evaluator shared by both syntaxes (:mod:`.evaluate`, with :mod:`.values` and
   the built-in :mod:`.functions`): a JSON string is a ``${...}`` template, which is turned
   into a quoted HCL string (:mod:`.templates`) and parsed as HCL. What cannot be worked out
   statically becomes :class:`~opslint.model.Unknown`, :class:`~opslint.model.Reference` or
   :class:`~opslint.model.Choice`; the evaluator never raises.

tree-sitter is imported on first use, not with this package.
"""

from __future__ import annotations

from opslint.parsers.terraform.hcl import warm_up
from opslint.parsers.terraform.module import parse_module

__all__ = ["parse_module", "warm_up"]
