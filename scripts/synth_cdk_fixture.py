"""Synthesize a CDK fixture app into its cloud assembly, as a CI runner would have made it.

    python scripts/synth_cdk_fixture.py                       # fixtures/cdk/orders-app/cdk.out
    python scripts/synth_cdk_fixture.py --app fixtures/cdk/orders-app-python
    python scripts/synth_cdk_fixture.py --app DIR --out OUT

Runs ``cdk synth`` (the aws-cdk CLI and aws-cdk-lib from ``.ci/cdk``: ``npm ci --prefix
.ci/cdk``; a Python app needs ``pip install -e ".[cdk]"`` in this interpreter's environment)
in the app folder, then rewrites the absolute path of the app in every JSON file
of the assembly to ``/home/ci/build/shop-infra/<app>``, a path that does not exist on
the machines that run the tests: opslint must find the source by its suffix.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CDK_TOOLS = REPO / ".ci" / "cdk" / "node_modules"
APP = REPO / "fixtures" / "cdk" / "orders-app"
CI_CHECKOUT = "/home/ci/build/shop-infra"
SYNTH_TIMEOUT = 300


def cdk_cli() -> str | None:
    """The aws-cdk CLI installed in ``.ci/cdk``, else one on PATH."""
    local = CDK_TOOLS / ".bin" / "cdk"
    if local.exists():
        return str(local)
    return shutil.which("cdk")


def synthesize(app: Path, out: Path, checkout: str = CI_CHECKOUT) -> None:
    """``cdk synth`` of ``app`` into ``out``; absolute paths rewritten below ``checkout``."""
    cli = cdk_cli()
    if cli is None:
        raise SystemExit("the aws-cdk CLI is missing: npm ci --prefix .ci/cdk")
    app = app.resolve()
    if out.exists():
        shutil.rmtree(out)
    env = {
        **os.environ,
        # a Python app (`python3 app.py`) runs with this interpreter, which has aws-cdk-lib
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "NODE_PATH": str(CDK_TOOLS),
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
    }
    subprocess.run(
        [cli, "synth", "--quiet", "--no-notices", "--output", str(out.resolve())],
        cwd=app,
        env=env,
        check=True,
        timeout=SYNTH_TIMEOUT,
        stdout=subprocess.DEVNULL,
    )
    try:
        shown = app.relative_to(REPO).as_posix()
    except ValueError:
        shown = app.name
    rewrite_paths(out, str(app), f"{checkout}/{shown}")


def rewrite_paths(out: Path, local: str, elsewhere: str) -> None:
    """Replace the absolute path ``local`` with ``elsewhere`` in every JSON file of ``out``."""
    for path in sorted(out.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        if local in text:
            path.write_text(text.replace(local, elsewhere), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, default=APP, help="the CDK app folder (cdk.json)")
    parser.add_argument("--out", type=Path, help="the assembly folder (default: APP/cdk.out)")
    args = parser.parse_args(argv)
    synthesize(args.app, args.out or args.app / "cdk.out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
