"""The ``q2c`` console script: the command line, or, where the [adapters] extra that it needs
is not installed, one line saying how to install it (not a traceback ending in ``No module
named 'typer'``)."""

from __future__ import annotations

import sys

from q2c_core.storage import missing_module

# the modules of the [adapters] extra the command line imports, and how to install it
ADAPTERS_MODULES = ("typer", "click", "rich", "jinja2", "fpdf", "lxml", "beancount", "saxonche")
ADAPTERS_EXTRA = 'pip install "q2c[adapters]"'


def main() -> None:
    """Run the ``q2c`` command (``q2c_adapters.cli.main``); exit 2 naming the extra to install
    when one of its modules is missing."""
    try:
        from q2c_adapters.cli import main as command_line
    except ModuleNotFoundError as missing:
        name = missing_module(missing)
        if name.split(".")[0] not in ADAPTERS_MODULES:
            raise
        print(
            f"error: the q2c command needs the [adapters] extra ({name} is not "
            f"installed): {ADAPTERS_EXTRA}",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    command_line()
