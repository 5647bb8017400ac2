"""Running a click group as a console command, the same way for every CLI of the repository."""
from __future__ import annotations

import sys

import click


def run_group(group: click.Group, prog: str, errors: tuple[type[Exception], ...]) -> None:
    """Our errors print one line `PROG: error: ...` and exit 2; Ctrl-C exits 130; usage errors as click does."""
    try:
        group(standalone_mode=False)
    except errors as error:
        click.echo(f"{prog}: error: {error}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo(f"{prog}: aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
