"""Parse tasks: one per Terraform module or template candidate, parsed in this process or,
for large trees, in a process pool. Parsing never raises: a failure is a diagnostic on the
unit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
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
