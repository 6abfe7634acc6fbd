"""Finding, loading and validating rules: built-in ones, ``--rules-dir`` folders and the
``opslint.rules`` entry point group."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from opslint.catalog import Catalog, load_catalog
from opslint.model import FRAMEWORKS, Severity
from opslint.rule import OPTION_TYPES, RULE_ID_PATTERN, Docs, Rule

ENTRY_POINT_GROUP = "opslint.rules"


class RuleLoadError(Exception):
    """A plugin could not be loaded or declares invalid metadata (exit code 2)."""


def builtin_rules_dir() -> Path:
    """Where the built-in rules are: ``opslint/builtin_rules`` in an installed package (the
    repository's ``rules/`` folder mapped by the build), or ``rules/`` beside the source
    package when running from a checkout."""
    spec = importlib.util.find_spec("opslint.builtin_rules")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "rules"


def _rule_classes(module: ModuleType) -> list[type[Rule]]:
    found = []
    for _, obj in inspect.getmembers(module, inspect.isclass):
        defined_here = obj.__module__ == module.__name__
        if issubclass(obj, Rule) and obj is not Rule and defined_here and "id" in obj.__dict__:
            found.append(obj)
    return found


def _load_file(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise RuleLoadError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise RuleLoadError(f"{path}: {type(exc).__name__}: {exc}") from exc
    return module


def _rules_in_dir(directory: Path, namespace: str) -> Iterator[tuple[str, type[Rule]]]:
    if not directory.is_dir():
        raise RuleLoadError(f"{directory}: rules directory does not exist")
    for path in sorted(directory.rglob("*.py")):
        if path.name.startswith("_") or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(directory).with_suffix("")
        module_name = ".".join((namespace, *relative.parts)).replace("-", "_")
        module = _load_file(path, module_name)
        for cls in _rule_classes(module):
            yield str(path), cls


def _rules_from_entry_points() -> Iterator[tuple[str, type[Rule]]]:
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {entry.name} ({entry.value})"
        try:
            obj: Any = entry.load()
        except Exception as exc:
            raise RuleLoadError(f"{origin}: {type(exc).__name__}: {exc}") from exc
        if inspect.ismodule(obj):
            classes: Iterable[Any] = _rule_classes(obj)
        elif inspect.isclass(obj):
            classes = [obj]
        elif callable(obj):
            classes = obj()
        else:
            classes = obj
        for cls in classes:
            if not (inspect.isclass(cls) and issubclass(cls, Rule)):
                raise RuleLoadError(f"{origin}: {cls!r} is not an opslint Rule class")
            yield origin, cls


def validate_rule(cls: type[Rule], origin: str, catalog: Catalog) -> None:
    """Check a rule's metadata; raise :class:`RuleLoadError` naming the plugin."""

    def fail(problem: str) -> RuleLoadError:
        name = getattr(cls, "id", cls.__name__)
        return RuleLoadError(f"{origin}: rule {name}: {problem}")

    rule_id = getattr(cls, "id", None)
    if not isinstance(rule_id, str) or not RULE_ID_PATTERN.match(rule_id):
        raise fail("id must look like OPS08-BP02/log-group-retention (practice ID / slug)")
    if cls.practice() not in catalog:
        raise fail(f"unknown practice {cls.practice()}")
    for practice in cls.related:
        if practice not in catalog:
            raise fail(f"unknown related practice {practice}")
    if not isinstance(getattr(cls, "title", None), str) or not cls.title.strip():
        raise fail("title is missing")
    if not isinstance(cls.severity, Severity):
        raise fail("severity must be a Severity")
    docs = getattr(cls, "docs", None)
    if not isinstance(docs, Docs):
        raise fail("docs is missing (opslint.rule.Docs)")
    if not (docs.what.strip() and docs.why.strip() and docs.fix.strip() and docs.examples):
        raise fail("docs need what, why, fix and at least one example")
    for framework in cls.resource_types:
        if framework not in FRAMEWORKS:
            raise fail(f"unknown framework {framework!r} in resource_types")
    names = [o.name for o in cls.options]
    if len(names) != len(set(names)):
        raise fail("option names must be unique")
    for option in cls.options:
        if option.type not in OPTION_TYPES:
            raise fail(f"option {option.name}: unknown type {option.type!r}")
        if not option.accepts(option.default):
            raise fail(f"option {option.name}: default {option.default!r} is not {option.type}")


@dataclass(frozen=True)
class Registry:
    """The loaded rules, by ID, in ID order."""

    rules: tuple[type[Rule], ...]

    def __iter__(self) -> Iterator[type[Rule]]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> type[Rule] | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def ids(self) -> list[str]:
        return [r.id for r in self.rules]


def load_registry(
    rules_dirs: Sequence[str | Path] = (),
    *,
    builtin: bool = True,
    entry_points: bool = True,
) -> Registry:
    """Load and validate every rule. Duplicate IDs or broken plugins raise
    :class:`RuleLoadError`."""
    catalog = load_catalog()
    found: list[tuple[str, type[Rule]]] = []
    if builtin:
        found.extend(_rules_in_dir(builtin_rules_dir(), "opslint.builtin_rules"))
    for index, directory in enumerate(rules_dirs):
        found.extend(_rules_in_dir(Path(directory), f"opslint_user_rules_{index}"))
    if entry_points:
        found.extend(_rules_from_entry_points())
    seen: dict[str, str] = {}
    for origin, cls in found:
        validate_rule(cls, origin, catalog)
        if cls.id in seen:
            raise RuleLoadError(f"{origin}: rule {cls.id} is already defined by {seen[cls.id]}")
        seen[cls.id] = origin
        cls.source = origin
    return Registry(tuple(sorted((cls for _, cls in found), key=lambda c: c.id)))
