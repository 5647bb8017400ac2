"""The `xbrlkit` command line: `info` and `facts` (later: `build`, `download`)."""
from __future__ import annotations

import sys
from collections import Counter
from importlib.resources import files
from pathlib import Path

import click

from xbrlkit.errors import XbrlError
from xbrlkit.loader import TAXONOMY_CACHE_ENV

SAMPLE = files("xbrlkit").joinpath("sample/acme-20231231.xml")

_path_argument = click.argument("path", required=False, type=click.Path(path_type=Path))


def _reader_options(func):
    """The options that choose and configure the reader, shared by every command that loads a filing."""
    options = [
        click.option("--reader", type=click.Choice(["fast", "arelle"]), default="fast", show_default=True,
                     help="fast: lxml, instance only, no taxonomy. arelle: the reference loader with the full DTS."),
        click.option("--taxonomy-cache", type=click.Path(file_okay=False, path_type=Path), envvar=TAXONOMY_CACHE_ENV,
                     help=f"Arelle cache folder to load taxonomies from offline [env {TAXONOMY_CACHE_ENV}]. "
                          "Without it Arelle fetches them online into its own web cache."),
        click.option("--taxonomy-package", "taxonomy_packages", multiple=True,
                     type=click.Path(dir_okay=False, path_type=Path), help="Taxonomy package .zip for Arelle (repeatable)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _load(path: Path | None, reader: str, taxonomy_cache: Path | None, taxonomy_packages: tuple[Path, ...]):
    from xbrlkit.loader import load

    return load(path or Path(str(SAMPLE)), reader, taxonomy_cache=taxonomy_cache, taxonomy_packages=taxonomy_packages)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="finlora")
def cli() -> None:
    """SEC XBRL filings -> exact fact tables -> XBRL question/answer datasets.

    PATH is a filing folder, an XBRL instance (*.xml) or an inline XBRL
    document (*.htm); without PATH the bundled sample filing is used.
    """


@cli.command()
@_path_argument
@_reader_options
def info(path, reader, taxonomy_cache, taxonomy_packages) -> None:
    """One screen about a filing: entity, form, fiscal year, facts by prefix, units, contexts."""
    from rich.console import Console
    from rich.table import Table

    from xbrlkit.dedupe import deduplicate

    filing = _load(path, reader, taxonomy_cache, taxonomy_packages)
    console = Console()
    head = Table.grid(padding=(0, 2))
    for label, value in [
        ("file", filing.path), ("reader", filing.reader), ("entity", filing.entity_name), ("CIK", filing.cik),
        ("ticker", filing.ticker), ("form", filing.form_type), ("fiscal year", filing.fiscal_year_focus),
        ("fiscal period", filing.fiscal_period_focus), ("period end", filing.period_end_date),
        ("us-gaap", filing.us_gaap_year),
    ]:
        head.add_row(label, str(value) if value is not None else "-")
    console.print(head)
    deduped = deduplicate(filing.facts)
    contexts = {f.context_id: f for f in filing.facts}
    console.print(
        f"{len(filing.facts)} facts ({sum(f.is_numeric for f in filing.facts)} numeric, "
        f"{sum(f.is_nil for f in filing.facts)} nil), {deduped.collapsed} consistent duplicates, "
        f"{len(deduped.inconsistent)} inconsistent duplicate groups, {len(filing.rejected)} rejected; "
        f"{len(contexts)} contexts used ({sum(1 for f in contexts.values() if f.dimensions)} with dimensions, "
        f"{sum(1 for f in contexts.values() if f.period_type == 'instant')} instant)"
    )
    for title, counts in [("prefix", Counter(f.concept.prefix for f in filing.facts)),
                          ("unit", Counter(f.unit for f in filing.facts if f.unit))]:
        table = Table(title, "facts")
        for key, count in counts.most_common():
            table.add_row(key or "(none)", str(count))
        console.print(table)
    for group in deduped.inconsistent:
        console.print(f"[yellow]inconsistent duplicates:[/] {group.describe()}")
    for rejected in filing.rejected:
        console.print(f"[yellow]rejected:[/] {rejected.concept} ({rejected.context_id}) line {rejected.line}: "
                      f"{rejected.reason}")


@cli.command()
@_path_argument
@_reader_options
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "jsonl"]),
              help="Output format [default: from the -o suffix, else jsonl].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Output file, written atomically. Default: standard output (csv/jsonl only).")
def facts(path, reader, taxonomy_cache, taxonomy_packages, fmt, output) -> None:
    """Write every fact of a filing as a table (values exact, one row per fact)."""
    from xbrlkit import table

    fmt = fmt or (output.suffix.lstrip(".") if output and output.suffix.lstrip(".") in ("parquet", "csv", "jsonl")
                  else "jsonl")
    if output is None and fmt == "parquet":
        raise click.UsageError("parquet output needs -o FILE")
    filing = _load(path, reader, taxonomy_cache, taxonomy_packages)
    if output is None:
        table.write_text(filing.facts, sys.stdout, fmt)
        return
    table.write(filing.facts, output, fmt)
    click.echo(f"{len(filing.facts)} facts -> {output}", err=True)


def main() -> None:
    try:
        cli(standalone_mode=False)
    except XbrlError as error:
        click.echo(f"xbrlkit: error: {error}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("xbrlkit: aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
