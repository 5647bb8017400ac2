"""Running a click group as a console command, the same way for every CLI of the repository."""
from __future__ import annotations

import os
import signal
import sys

import click

from finlora_common.errors import UserError


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that `finally` blocks (staging folders, worker pools) clean up."""


def _terminate(signum, frame) -> None:
    raise Terminated


def run_group(group: click.Group, prog: str) -> None:
    """Our errors print one line `PROG: error: ...` and exit 2; Ctrl-C exits 130, SIGTERM 143, each after cleaning up;
    usage errors as click does."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        group(standalone_mode=False)
    except Terminated:
        click.echo(f"{prog}: terminated", err=True)
        sys.exit(143)
    except UserError as error:
        click.echo(f"{prog}: error: {error}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo(f"{prog}: aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)


def run_model_group(group: click.Group, prog: str) -> None:
    """`run_group` for the commands that load models: tokenizers single-threaded, no Hub progress bars (rich shows
    the progress that matters)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    run_group(group, prog)
