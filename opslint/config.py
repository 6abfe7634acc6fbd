"""Configuration: ``.opslint.yaml`` or ``[tool.opslint]`` in ``pyproject.toml`` at the scan
root, or ``--config FILE``; command-line flags win over the file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from opslint.model import Kpi, Severity
from opslint.reading import DEFAULT_MAX_FILE_SIZE, read_regular

CONFIG_FILE = ".opslint.yaml"
TOP_LEVEL_KEYS = (
    "select",
    "ignore",
    "exclude",
    "fail-on",
    "var-files",
    "rules",
    "rules-dirs",
    "inline-suppressions",
    "require-reason",
    "exceptions",
    "baseline",
    "repository-root",
    "max-file-size",
    "kpis",
)
EXCEPTION_KEYS = ("path", "rule", "rules", "reason", "until")
RULE_KEYS = ("severity", "enabled", "options")
KPI_KEYS = ("name", "namespace", "metric", "slo")


class ConfigError(Exception):
    """A configuration problem: names the file and the key (exit code 2)."""


@dataclass(frozen=True)
class RuleSettings:
    severity: Severity | None = None
    enabled: bool | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigException:
    """A reviewed exception: findings of ``rules`` under ``path`` are suppressed."""

    path: str
    rules: tuple[str, ...]
    reason: str
    until: str | None = None


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: Severity = Severity.WARNING
    var_files: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    """``--var NAME=VALUE`` for Terraform root modules (command line only)."""
    rules_dirs: tuple[str, ...] = ()
    rules: Mapping[str, RuleSettings] = field(default_factory=dict)
    inline_suppressions: bool = True
    require_reason: bool = True
    exceptions: tuple[ConfigException, ...] = ()
    baseline: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    """Files larger than this many bytes are skipped with a note."""
    source: str | None = None
    """The file the settings came from, for messages."""
    source_path: str | None = None
    """That file's path alone (no ``[tool.opslint]`` suffix), for findings about it."""
    folder: str | None = None
    """The folder of the configuration file: exclude and exception paths are relative to
    it."""
    repository_root: str | None = None
    """The folder repository rules look at, when not the enclosing git work tree."""
    kpis: tuple[Kpi, ...] = ()
    """Key performance indicators the team declares (``kpis``), checked by
    ``OPS04-BP01/declared-kpis-monitored``."""

    def declares(self, key: str) -> bool:
        """Whether the configuration gives top-level ``key`` a non-empty value (what turns
        on a rule's ``enabled_by``)."""
        return bool(getattr(self, key.replace("-", "_"), None))

    def merged(self, **overrides: Any) -> Config:
        """Command-line values win; ``None`` means "not given"."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _strings(value: Any, key: str, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{source}: `{key}` must be a string or a list of strings")


def parse_config(data: Any, source: str, lines: Sequence[int] = ()) -> Config:
    """Validate a config mapping (already loaded from YAML or TOML); ``lines`` are the lines
    of the ``kpis`` entries in the file, when known."""
    if data is None:
        return Config(source=source)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the configuration must be a mapping")
    unknown = sorted(set(data) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: unknown key `{unknown[0]}` (known: {', '.join(TOP_LEVEL_KEYS)})"
        )
    fail_on = Severity.WARNING
    if "fail-on" in data:
        try:
            fail_on = Severity.parse(str(data["fail-on"]))
        except ValueError as exc:
            raise ConfigError(f"{source}: `fail-on`: {exc}") from None
    rules: dict[str, RuleSettings] = {}
    raw_rules = data.get("rules") or {}
    if not isinstance(raw_rules, dict):
        raise ConfigError(f"{source}: `rules` must map rule IDs to settings")
    for rule_id, settings in raw_rules.items():
        rules[str(rule_id)] = _rule_settings(str(rule_id), settings, source)
    return Config(
        inline_suppressions=_bool(data, "inline-suppressions", True, source),
        require_reason=_bool(data, "require-reason", True, source),
        exceptions=_exceptions(data.get("exceptions"), source),
        baseline=_optional_string(data, "baseline", source),
        repository_root=_optional_string(data, "repository-root", source),
        max_file_size=_size(data, "max-file-size", source),
        source_path=source.split(" [", 1)[0],
        select=_strings(data.get("select", []), "select", source),
        ignore=_strings(data.get("ignore", []), "ignore", source),
        exclude=_strings(data.get("exclude", []), "exclude", source),
        fail_on=fail_on,
        var_files=_strings(data.get("var-files", []), "var-files", source),
        rules_dirs=_strings(data.get("rules-dirs", []), "rules-dirs", source),
        rules=rules,
        source=source,
        kpis=_kpis(data["kpis"], source, lines) if "kpis" in data else (),
    )


def _bool(data: dict[str, Any], key: str, default: bool, source: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{source}: `{key}` must be true or false")
    return value


def _size(data: dict[str, Any], key: str, source: str) -> int:
    value = data.get(key, DEFAULT_MAX_FILE_SIZE)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{source}: `{key}` must be a whole number of bytes (at least 1)")
    return value


def _optional_string(data: dict[str, Any], key: str, source: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{source}: `{key}` must be a string")
    return value


def _exceptions(raw: Any, source: str) -> tuple[ConfigException, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: `exceptions` must be a list")
    found = []
    for index, entry in enumerate(raw):
        where = f"{source}: `exceptions[{index}]`"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a mapping of {', '.join(EXCEPTION_KEYS)}")
        unknown = sorted(set(entry) - set(EXCEPTION_KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key `{unknown[0]}`")
        if not isinstance(entry.get("path"), str):
            raise ConfigError(f"{where}.path must be a path glob")
        rules = _strings(
            entry.get("rules", entry.get("rule", [])), f"exceptions[{index}].rule", source
        )
        if not rules:
            raise ConfigError(f"{where} needs `rule` (a rule ID, practice ID or group)")
        reason = entry.get("reason", "")
        if not isinstance(reason, str):
            raise ConfigError(f"{where}.reason must be a string")
        until = entry.get("until")
        found.append(
            ConfigException(
                path=entry["path"],
                rules=rules,
                reason=reason.strip(),
                until=None if until is None else str(until),
            )
        )
    return tuple(found)


def _kpis(raw: Any, source: str, lines: Sequence[int]) -> tuple[Kpi, ...]:
    """``kpis``: a list of ``{name, namespace, metric}`` or ``{name, slo}`` mappings."""
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: `kpis` must be a list of mappings")
    path = source.split(" [", 1)[0]
    found: list[Kpi] = []
    for index, item in enumerate(raw):
        where = f"{source}: `kpis[{index}]`"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} must be a mapping (name, namespace, metric or slo)")
        unknown = sorted(set(item) - set(KPI_KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key `{unknown[0]}` (known: {', '.join(KPI_KEYS)})")
        for key, value in item.items():
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where}.{key} must be a non-empty string")
        slo, namespace, metric = item.get("slo"), item.get("namespace"), item.get("metric")
        if slo is not None and (namespace is not None or metric is not None):
            raise ConfigError(f"{where}: give either `slo` or `namespace` and `metric`")
        if slo is None and (namespace is None or metric is None):
            raise ConfigError(f"{where}: give `namespace` and `metric` (or `slo`)")
        kpi = Kpi(
            name=item.get("name", ""),
            namespace=namespace,
            metric=metric,
            slo=slo,
            path=path,
            line=lines[index] if index < len(lines) else 1,
        )
        found.append(kpi)
    return tuple(found)


def kpi_lines(text: str) -> list[int]:
    """The line of each ``kpis`` entry of a YAML configuration (empty when there is none or
    the text is not a mapping)."""
    import yaml

    try:
        node = yaml.compose(text)
    except (yaml.YAMLError, RecursionError):
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "kpis" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _toml_kpi_line(text: str) -> int:
    """The line that starts the ``kpis`` of a ``pyproject.toml`` (1 when not found)."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(("kpis", "[[tool.opslint.kpis]]")):
            return number
    return 1


def _rule_settings(rule_id: str, settings: Any, source: str) -> RuleSettings:
    where = f"{source}: `rules.{rule_id}`"
    if not isinstance(settings, dict):
        raise ConfigError(f"{where} must be a mapping of {', '.join(RULE_KEYS)}")
    unknown = sorted(set(settings) - set(RULE_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key `{unknown[0]}` (known: {', '.join(RULE_KEYS)})")
    severity = None
    if "severity" in settings:
        try:
            severity = Severity.parse(str(settings["severity"]))
        except ValueError as exc:
            raise ConfigError(f"{where}.severity: {exc}") from None
    enabled = settings.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise ConfigError(f"{where}.enabled must be true or false")
    options = settings.get("options") or {}
    if not isinstance(options, dict):
        raise ConfigError(f"{where}.options must be a mapping")
    return RuleSettings(severity=severity, enabled=enabled, options=dict(options))


def _read_config_text(path: Path, encoding: str = "utf-8") -> str:
    """The configuration file's text; a file that cannot be read or is not UTF-8 is a
    configuration error naming it (and the line of the first bad byte)."""
    try:
        data = read_regular(str(path), limit=None)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8") from None


def _too_deep(path: Path) -> ConfigError:
    return ConfigError(f"{path}: nested too deeply to be a configuration")


def _read_yaml(path: Path) -> tuple[Any, str]:
    """The loaded configuration and its text."""
    import yaml

    text = _read_config_text(path, "utf-8-sig")
    try:
        return yaml.safe_load(text), text
    except RecursionError:
        raise _too_deep(path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None


def _read_pyproject(path: Path) -> tuple[Any | None, str]:
    """The ``[tool.opslint]`` table (None when absent) and the file's text."""
    import tomllib

    text = _read_config_text(path)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise _too_deep(path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return data.get("tool", {}).get("opslint"), text


def _parse_file(path: Path, source: str) -> Config | None:
    """The configuration in ``path`` (None: a ``pyproject.toml`` without ``[tool.opslint]``)."""
    if path.name == "pyproject.toml":
        table, text = _read_pyproject(path)
        if table is None:
            return None
        kpis = table.get("kpis") if isinstance(table, dict) else None
        lines = [_toml_kpi_line(text)] * len(kpis) if isinstance(kpis, list) else []
        return parse_config(table, source, lines)
    data, text = _read_yaml(path)
    return parse_config(data, source, kpi_lines(text) if "kpis" in text else [])


def load_config(explicit: str | None, start: Path, stop: Path | None = None) -> Config:
    """Read ``explicit`` if given; else the nearest configuration found walking up from
    ``start`` to ``stop`` (the git work tree's top) or the filesystem root: in each folder
    ``.opslint.yaml``, then ``pyproject.toml`` with a ``[tool.opslint]`` table. No file
    means defaults. Files named in the configuration (var-files, rules-dirs, baseline,
    repository-root) are relative to it."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        config = _parse_file(path, explicit)
        return _anchor(config or parse_config(None, explicit), path.parent)
    for folder in _upwards(start, stop):
        # read through the path as messages show it, so errors name the file that way
        candidate = Path(_shown(folder / CONFIG_FILE))
        if candidate.is_file():
            return _anchor(_parse_file(candidate, str(candidate)) or Config(), folder)
        pyproject = Path(_shown(folder / "pyproject.toml"))
        if pyproject.is_file():
            found = _parse_file(pyproject, f"{pyproject} [tool.opslint]")
            if found is not None:
                return _anchor(found, folder)
    return Config()


def _upwards(start: Path, stop: Path | None) -> list[Path]:
    """``start`` and its parents up to ``stop`` (included) or the filesystem root."""
    folder = Path(os.path.abspath(start))
    end = Path(os.path.abspath(stop)) if stop is not None else None
    found = [folder]
    if end is not None and folder != end and end not in folder.parents:
        return found  # ``stop`` does not hold ``start``: look in ``start`` only
    for parent in folder.parents:
        if found[-1] == end:
            break
        found.append(parent)
    return found


def _shown(path: Path) -> str:
    """``path`` as messages show it: relative to the working directory unless the absolute
    path is shorter."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return relative if len(relative) <= len(absolute) else absolute


def _anchor(config: Config, folder: Path) -> Config:
    def place(name: str) -> str:
        return name if os.path.isabs(name) else _shown(folder / name)

    return replace(
        config,
        var_files=tuple(place(p) for p in config.var_files),
        rules_dirs=tuple(place(p) for p in config.rules_dirs),
        baseline=place(config.baseline) if config.baseline else None,
        repository_root=place(config.repository_root) if config.repository_root else None,
        folder=os.path.normpath(folder),
    )


def validate_against_rules(
    config: Config,
    rules: Sequence[Any],
    catalog_ids: set[str],
    origins: Mapping[str, str] | None = None,
) -> None:
    """Check rule IDs, selectors and option names/types now that rules are loaded.

    ``origins`` names where ``select``/``ignore`` came from when not from the configuration
    file (``{"ignore": "command line: `--ignore`"}``), so an error points at what to fix."""
    from opslint.engine_rules import ENGINE_RULES, GROUP

    by_id = {**ENGINE_RULES, **{r.id: r for r in rules}}
    source = config.source or "command line"
    for key, selectors in (("select", config.select), ("ignore", config.ignore)):
        where = (origins or {}).get(key, f"{source}: `{key}`")
        for selector in selectors:
            if selector != GROUP and not is_known_selector(selector, by_id, catalog_ids):
                raise ConfigError(
                    f"{where}: {selector!r} is not a rule ID, practice ID or group"
                    + did_you_mean(selector, known_ids(by_id, catalog_ids))
                )
    for rule_id, settings in config.rules.items():
        rule = by_id.get(rule_id)
        if rule is None and _is_checkov_rule_id(rule_id):
            if settings.options:
                raise ConfigError(f"{source}: `rules.{rule_id}.options`: checkov checks have none")
            continue
        if rule is None:
            raise ConfigError(
                f"{source}: `rules.{rule_id}`: no such rule" + did_you_mean(rule_id, by_id)
            )
        declared = {o.name: o for o in getattr(rule, "options", ())}
        for name, value in settings.options.items():
            option = declared.get(name)
            if option is None:
                known = ", ".join(declared) or "none"
                raise ConfigError(
                    f"{source}: `rules.{rule_id}.options.{name}`: unknown option "
                    f"(options of {rule_id}: {known})"
                )
            if not option.accepts(value):
                raise ConfigError(
                    f"{source}: `rules.{rule_id}.options.{name}` must be {option.type}, "
                    f"got {value!r}"
                )


def known_ids(rule_ids: Iterable[str], catalog_ids: Iterable[str]) -> list[str]:
    """Every ID a selector may name: rules, practices and practice groups."""
    practices = set(catalog_ids)
    groups = {practice.split("-", 1)[0] for practice in practices}
    return sorted({*rule_ids, *practices, *groups})


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest known ID, else nothing."""
    import difflib

    choices = list(known)
    by_lower = {k.lower(): k for k in choices}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]}?)" if close else ""


def canonical_id(name: str, known: Iterable[str]) -> str:
    """``name`` spelled as the one known ID it matches ignoring case (``ops08-bp02`` →
    ``OPS08-BP02``); unchanged when it is exact, unknown or ambiguous."""
    choices = list(known)
    if name in choices:
        return name
    matches = [k for k in choices if k.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else name


def is_known_selector(selector: str, rules_by_id: Mapping[str, Any], catalog_ids: set[str]) -> bool:
    if selector in rules_by_id or selector in catalog_ids:
        return True
    if _is_checkov_rule_id(selector):
        return True  # known even on runs without checkov: one configuration serves both
    return any(practice.startswith(selector + "-") for practice in catalog_ids)


def _is_checkov_rule_id(rule_id: str) -> bool:
    if "/checkov-" not in rule_id:
        return False
    from opslint.checkov.mapping import is_mapped_rule_id

    return is_mapped_rule_id(rule_id)


def selector_specificity(selector: str, rule_id: str) -> int:
    """How specifically ``selector`` names ``rule_id``: 3 the rule itself, 2 its practice,
    1 its group, 0 not at all."""
    practice = rule_id.split("/", 1)[0]
    if selector == rule_id:
        return 3
    if selector == practice:
        return 2
    if practice.startswith(selector + "-"):
        return 1
    return 0


def is_selected(rule_id: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Selection with "the more specific entry wins" (ignore ``OPS08`` + select
    ``OPS08-BP04`` keeps only BP04's rules); on a tie, ignore wins. An empty ``select``
    selects everything."""
    best_select = max((selector_specificity(s, rule_id) for s in select), default=0)
    best_ignore = max((selector_specificity(s, rule_id) for s in ignore), default=0)
    if select and best_select == 0:
        return False
    return not (best_ignore and best_ignore >= best_select)
