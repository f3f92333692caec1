"""The command line's pieces: shared flags and connections, and the larger subcommands.

- `common`: connection and filter flags, the token check, a client (or a sandbox when asked).
- `report`: `timepay-notebook report` (HTML or Excel, parameters, one report per campaign).
- `dashboard`: `timepay-notebook dashboard` (the explorer served by Voila).

`timepay_notebook.cli` builds the parser from them and runs the small commands itself.
"""
