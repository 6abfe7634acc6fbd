"""Parse tasks: one per Terraform module or template candidate, parsed in this process or,
for large trees, in a process pool. Parsing never raises: a failure is a diagnostic on the
unit."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from opslint.config import Config
from opslint.discover import Discovery
from opslint.model import Diagnostic, Unit
from opslint.reading import DEFAULT_MAX_FILE_SIZE, UnreadableFile, read_regular

PARALLEL_MIN_FILES = 24
"""Below this many files, parsing in one process beats starting workers."""


@dataclass(frozen=True)
class ParseTask:
    framework: str
    path: str
    files: tuple[str, ...] = ()
    var_files: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    root: str = ""
    """The scan root: Terraform's ``templatefile()`` reads only inside it."""


def parse_task(task: ParseTask) -> Unit | None:
    """Parse one module or template; never raises (a failure becomes a diagnostic)."""
    try:
        if task.framework == "terraform":
            from opslint.parsers.terraform import parse_module

            unit: Unit | None = parse_module(
                task.path, task.files, task.var_files, task.variables, task.root
            )
        elif task.framework == "cdk":
            from opslint.parsers.cdk import parse_stack

            unit = parse_stack(task.path, task.files[0])
        else:
            unit = _parse_template_file(task.path, task.max_file_size)
        return unit
    except Exception as exc:  # a parser bug must not hide other files' findings
        return Unit(
            framework="terraform" if task.framework == "terraform" else "cloudformation",
            path=task.path,
            resources=(),
            files=task.files if task.framework == "terraform" else (task.path,),
            diagnostics=(
                Diagnostic(task.path, f"internal parser error: {type(exc).__name__}: {exc}"),
            ),
        )


def _parse_template_file(path: str, max_file_size: int) -> Unit | None:
    from opslint.parsers.cloudformation import looks_like_template, parse_template

    try:
        data = read_regular(path, max_file_size)
    except OSError as exc:
        if isinstance(exc, UnreadableFile):
            code, message = ("file-too-large" if exc.too_large else "io-error"), str(exc)
        else:
            code, message = "io-error", f"cannot read: {exc.strerror or exc}"
        return Unit(
            framework="cloudformation",
            path=path,
            resources=(),
            files=(path,),
            diagnostics=(Diagnostic(path, message, code=code),),
        )
    text = data.decode("utf-8", errors="replace")
    if path.endswith(".json"):
        from opslint.parsers.terraform_plan import looks_like_plan, parse_plan

        if looks_like_plan(text):
            return parse_plan(path, text)
    if not looks_like_template(text):
        return None
    return parse_template(path, text)


def _parse_tasks(tasks: list[ParseTask]) -> Iterator[Unit | None]:
    return (parse_task(t) for t in tasks)


def parse_all(tasks: Sequence[ParseTask], jobs: int) -> list[Unit]:
    """Parse every task, in parallel across ``jobs`` processes for large trees; the result
    order follows ``tasks`` so output stays deterministic."""
    file_count = sum(max(1, len(t.files)) for t in tasks)
    if jobs <= 1 or len(tasks) < 2 or file_count < PARALLEL_MIN_FILES:
        results: Iterable[Unit | None] = _parse_tasks(list(tasks))
    else:
        if any(t.framework == "terraform" for t in tasks):
            # load the HCL grammar once before forking so workers inherit it
            from opslint.parsers.terraform import warm_up

            warm_up()
        workers = min(jobs, len(tasks))
        chunk = max(1, len(tasks) // (workers * 8))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(parse_task, tasks, chunksize=chunk))
    return [u for u in results if u is not None]


# A local module source (`source = "../x"` in HCL, `"source": "./x"` in JSON). Module sources
# are literal strings, so a module that calls a folder of the work tree names it in its text
# (another block's `source` argument only adds a needless parse).
_LOCAL_SOURCE = re.compile(rb'''\bsource"?\s*[=:]\s*"(\.\.?(?:/[^"]*)?)"''')
# A nested stack or SAM application, and where its template is.
_NESTED_STACK = re.compile(rb"AWS::(?:CloudFormation::Stack|Serverless::Application)\b")
_TEMPLATE_LOCATION = re.compile(rb"""["']?(?:TemplateURL|Location)["']?[ \t]*:[ \t]*([^\r\n]*)""")


def _called(task: ParseTask) -> set[str] | None:
    """What ``task``'s unit may instantiate, read from its text: the folders a Terraform
    module calls through a local ``source``, the local templates of a template's nested
    stacks (normalised display paths). None when the text cannot tell (an unreadable file,
    a template location worked out by an intrinsic function)."""
    called: set[str] = set()
    if task.framework == "cdk":
        return called  # an assembly's nested stacks are assets, never local templates
    folder = task.path if task.framework == "terraform" else posixpath.dirname(task.path)
    for path in task.files if task.framework == "terraform" else (task.path,):
        if path.endswith(".tfvars"):
            continue
        try:
            text = read_regular(path, task.max_file_size)
        except OSError:
            return None
        if task.framework == "terraform":
            sources = [m.group(1) for m in _LOCAL_SOURCE.finditer(text)]
        elif _NESTED_STACK.search(text):
            sources = []
            for match in _TEMPLATE_LOCATION.finditer(text):
                value = match.group(1).strip().rstrip(b",").strip().strip(b"\"'")
                if value.startswith((b"!", b"{", b"[")):
                    return None
                if value and b"://" not in value:
                    sources.append(value)
        else:
            sources = []
        for source in sources:
            local = source.decode("utf-8", errors="replace").rstrip("/") or "."
            called.add(posixpath.normpath(posixpath.join(folder, local)))
    return called


def context_tasks(
    tasks: Sequence[ParseTask], scanned: Collection[str], modules: Collection[str]
) -> list[ParseTask]:
    """Of the parse tasks of a whole work tree, those a run over part of it needs to judge
    that part as in the whole (``scanned``: the unit paths scanned; ``modules``: the scanned
    Terraform module folders): the scanned units, the units that may instantiate one (a
    local module ``source``, a nested stack's local template), directly or through others,
    and the plans beside scanned modules."""
    calls = {task.path: _called(task) for task in tasks if task.path not in scanned}
    needed = {posixpath.normpath(path) for path in scanned}
    while True:
        callers = {
            posixpath.normpath(path)
            for path, called in calls.items()
            if posixpath.normpath(path) not in needed and (called is None or called & needed)
        }
        if not callers:
            break
        needed |= callers
    folders = {posixpath.normpath(folder) for folder in modules}
    return [
        task
        for task in tasks
        if posixpath.normpath(task.path) in needed
        or (task.path.endswith(".json") and (posixpath.dirname(task.path) or ".") in folders)
    ]


def build_tasks(found: Discovery, config: Config, root: str = ".") -> list[ParseTask]:
    tasks = []
    for directory, files in sorted(found.modules.items()):
        if not any(f.endswith((".tf", ".tf.json")) for f in files):
            continue  # only .tfvars here: not a module
        tasks.append(
            ParseTask(
                "terraform", directory, tuple(files), config.var_files, config.variables, root=root
            )
        )
    tasks.extend(
        ParseTask("cloudformation", path, max_file_size=config.max_file_size)
        for path in found.templates
    )
    tasks.extend(ParseTask("cdk", s.template, (s.assembly,)) for s in found.cdk_stacks)
    return tasks
