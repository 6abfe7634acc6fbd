"""``python -m opslint`` works like the ``opslint`` command."""

from opslint.cli import main

raise SystemExit(main())
