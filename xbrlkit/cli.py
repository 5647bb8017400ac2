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


def _year_range(ctx, param, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    first, _, last = value.partition("-")
    try:
        years = (int(first), int(last or first))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a year or a range like 2019-2023") from None
    if years[0] > years[1]:
        raise click.BadParameter(f"{value!r}: the range runs backwards")
    return years


@cli.command()
@click.option("--source", type=click.Path(exists=True, path_type=Path),
              help="Folder of filing folders (e.g. ../shared/xbrl/filings), one filing folder, or an instance. "
                   "Default: the bundled sample filing.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/xbrl-datasets"),
              show_default=True, help="Dataset folder to write (replaced atomically when the build succeeds).")
@click.option("--years", callback=_year_range, help="Fiscal years to use, e.g. 2019-2023 [default: all].")
@click.option("--tickers", help="Comma-separated tickers to use [default: all].")
@click.option("--split", "split_by", type=click.Choice(["year", "company"]), default="year", show_default=True,
              help="year: test = --split-test-year; company: a seeded 20% of companies form the test split.")
@click.option("--split-test-year", "test_year", type=int, default=2023, show_default=True)
@click.option("--format", "style", type=click.Choice(["rich", "finlora"]), default="rich", show_default=True,
              help="How facts appear in the context: readable lines, or XML elements as in the reference.")
@click.option("--max-context-chars", type=click.IntRange(min=200), default=8000, show_default=True,
              help="Character budget of each context segment.")
@click.option("--forms", default="10-K", show_default=True, help="Comma-separated form types to use.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for template choice and company split.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Filings processed in parallel.")
@click.option("--concepts", "concepts_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Concept catalog YAML [default: bundled].")
@click.option("--formulas", "formulas_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Ratio formulas YAML [default: bundled].")
@_reader_options
def build(source, out, years, tickers, split_by, test_year, style, max_context_chars, forms, seed, jobs,
          concepts_file, formulas_file, reader, taxonomy_cache, taxonomy_packages) -> None:
    """Build the four XBRL task datasets (tags, values, formula construction and calculation) from filings."""
    from rich.console import Console
    from rich.progress import track
    from rich.table import Table

    from xbrlkit import export
    from xbrlkit.build import BuildConfig, run

    if taxonomy_packages:
        raise click.UsageError("build reads taxonomies from --taxonomy-cache only; --taxonomy-package is for info/facts")
    config = BuildConfig(
        source=(source or Path(str(SAMPLE))).resolve(), years=years,
        tickers=tuple(t.strip().upper() for t in tickers.split(",") if t.strip()) if tickers else (),
        split_by=split_by, test_year=test_year, style=style, max_context_chars=max_context_chars, seed=seed,
        reader=reader, taxonomy_cache=taxonomy_cache, forms=tuple(f.strip() for f in forms.split(",") if f.strip()),
        concepts_file=concepts_file, formulas_file=formulas_file)
    console = Console(stderr=True)
    result = run(config, jobs, progress=lambda results, total: track(
        results, total=total, description="filings", console=console, transient=True))
    export.write(result, out, corpus_name=config.source.name)
    summary = result.summary
    table = Table("task", "train", "test", title=f"{out}")
    for task, counts in summary["questions"].items():
        table.add_row(task, str(counts["train"]), str(counts["test"]))
    console.print(table)
    check = summary["calculation_self_check"]
    console.print(f"filings: {summary['filings']['used']} used of {summary['filings']['seen']}, "
                  f"{summary['facts']} facts; calculation self-check: {check['answers_agreeing']} of "
                  f"{check['answers_checked']} value answers agree")
    for name, why in summary["filings"]["skipped"].items():
        console.print(f"[yellow]skipped[/] {name}: {why}")
    if not any(sum(c.values()) for c in summary["questions"].values()):
        raise XbrlError("no question could be generated", config.source,
                        hint="check --tickers, --years and --forms against the corpus")


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--repo-id", required=True, help="Dataset repo on the Hub, ORG/NAME.")
@click.option("--private", is_flag=True, help="Create the repo as private.")
def push(folder, repo_id, private) -> None:
    """Upload a build folder to the Hugging Face Hub (token from HF_TOKEN or `huggingface-cli login`)."""
    from xbrlkit.hub import push as push_folder

    click.echo(push_folder(folder, repo_id, private=private))


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
