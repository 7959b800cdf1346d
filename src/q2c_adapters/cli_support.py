"""What every q2c command shares: opening the application an auditor points it at."""

from __future__ import annotations

from pathlib import Path

import typer

from q2c_core.application import QuoteToCash
from q2c_core.domain.errors import Q2CError
from q2c_core.storage import env_for_url


def open_app(url: str) -> QuoteToCash:
    """Open the application at ``url``; a bad URL or a SQLite file that is not there exits 2.

    Reading commands never create an empty database by mistake: a mistyped path is an error,
    not an empty report.
    """
    try:
        env = env_for_url(url)
    except Q2CError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    dbname = env.get("SQLITE_DBNAME", "")
    if dbname and "mode=memory" not in dbname and not Path(dbname).exists():
        typer.echo(f"error: no q2c database at {dbname}", err=True)
        raise typer.Exit(2)
    return QuoteToCash.open(url)
