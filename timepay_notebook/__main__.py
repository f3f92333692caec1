"""`python -m timepay_notebook` runs the command-line interface."""

from .cli import main

raise SystemExit(main())
