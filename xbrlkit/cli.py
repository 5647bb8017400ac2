"""The `xbrlkit` command line: `info`, `facts`, `download`, `build` and `push`."""
from __future__ import annotations

import sys
from collections import Counter
from importlib.resources import files
from pathlib import Path
from typing import Sequence

import click

from finlora_common.console import run_group
from xbrlkit.errors import XbrlError
from xbrlkit.read.loader import TAXONOMY_CACHE_ENV

SAMPLE = files("xbrlkit").joinpath("sample/acme-20231231.xml")
DEFAULT_CORPUS = Path("filings")
"""Where `download` puts filings, and where `build --tickers` looks for them, unless told otherwise."""

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
        click.option("--strict", is_flag=True,
                     help="Fail on the first fact that cannot be read, instead of rejecting it and keeping the rest."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _load(path: Path | None, reader: str, taxonomy_cache: Path | None, taxonomy_packages: tuple[Path, ...],
          strict: bool):
    from xbrlkit.read.loader import load

    return load(path or Path(str(SAMPLE)), reader, taxonomy_cache=taxonomy_cache, taxonomy_packages=taxonomy_packages,
                strict=strict)


SHOWN = 5
"""How many inconsistent duplicate groups or rejected facts a command lists before it says how many more there are."""


def _listed(items: Sequence, what: str) -> list[str]:
    """The first SHOWN items as lines (their `describe()`), and a last line counting the rest."""
    lines = [item.describe() for item in items[:SHOWN]]
    if len(items) > SHOWN:
        lines.append(f"... and {len(items) - SHOWN} more {what}")
    return lines



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
def info(path, reader, taxonomy_cache, taxonomy_packages, strict) -> None:
    """One screen about a filing: entity, form, fiscal year, facts by prefix, units, contexts."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from xbrlkit.dedupe import deduplicate

    filing = _load(path, reader, taxonomy_cache, taxonomy_packages, strict)
    console = Console(highlight=False)
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
    for line in _listed(deduped.inconsistent, "inconsistent duplicate groups"):
        console.print(f"[yellow]inconsistent duplicates:[/] {escape(line)}", soft_wrap=True)
    for line in _listed(filing.rejected, "rejected facts"):
        console.print(f"[yellow]rejected:[/] {escape(line)}", soft_wrap=True)


@cli.command()
@_path_argument
@_reader_options
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "jsonl"]),
              help="Output format [default: from the -o suffix, else jsonl].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Output file, written atomically. Default: standard output (csv/jsonl only).")
def facts(path, reader, taxonomy_cache, taxonomy_packages, strict, fmt, output) -> None:
    """Write every fact of a filing as a table (values exact, one row per fact).

    Facts that cannot be read are left out and counted on standard error (`xbrlkit info` lists them).
    """
    from finlora_common.atomic import check_destination
    from xbrlkit import table

    fmt = fmt or (output.suffix.lstrip(".") if output and output.suffix.lstrip(".") in ("parquet", "csv", "jsonl")
                  else "jsonl")
    if output is None and fmt == "parquet":
        raise click.UsageError("parquet output needs -o FILE")
    if output is not None:
        check_destination(output, folder=False, error=XbrlError)
    filing = _load(path, reader, taxonomy_cache, taxonomy_packages, strict)
    if output is None:
        table.write_text(filing.facts, sys.stdout, fmt)
    else:
        table.write(filing.facts, output, fmt)
        click.echo(f"{len(filing.facts)} facts -> {output}", err=True)
    if filing.rejected:
        click.echo(f"{len(filing.rejected)} facts rejected, first: {filing.rejected[0].describe()} "
                   "(`xbrlkit info` lists them; --strict fails instead)", err=True)


def _comma_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


_user_agent_option = click.option(
    "--user-agent", envvar="SEC_USER_AGENT",
    help='Who is asking, as SEC\'s fair-access policy requires: "Your Name you@example.com" [env SEC_USER_AGENT].')


class _DownloadProgress:
    """One bar per company, advanced as each of its filings is done."""

    def __init__(self, bars):
        self._bars = bars
        self._tasks: dict[str, int] = {}

    def company(self, ticker: str, filings: int) -> None:
        self._tasks[ticker] = self._bars.add_task(ticker, total=filings)

    def filing(self, outcome) -> None:
        self._bars.advance(self._tasks[outcome.filing.ticker])


def _download_with_progress(console, fetch):
    """Run `fetch(progress)` under per-company progress bars on `console`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bars:
        return fetch(_DownloadProgress(bars))


def _print_download_report(report, console) -> None:
    """The summary: a ticker x fiscal-year table, then what is missing and why."""
    from rich.table import Table

    if report.dry_run:
        table = Table("ticker", "form", "accession", "filed", "period", "status", title="download plan (dry run)")
        for o in report.outcomes:
            table.add_row(o.filing.ticker, o.filing.form, o.filing.accession_number, o.filing.filing_date,
                          o.filing.period_of_report or "-", o.folder or "would fetch")
    else:
        years = sorted({year for wanted in report.selection.values() for year in wanted})
        status = {(o.filing.ticker, o.filing.form, o.fiscal_year): o.status for o in report.outcomes
                  if o.status in ("downloaded", "cached")}
        missing = {(m.ticker, m.form, m.fiscal_year) for m in report.missing}
        marks = {"downloaded": "[green]new[/]", "cached": "cached", None: "ok"}
        table = Table("ticker", "form", *(f"FY{year}" for year in years), title="download")
        for ticker, wanted in report.selection.items():
            for form in () if ticker in report.unknown_tickers else report.forms:
                table.add_row(ticker, form, *(
                    "" if year not in wanted else "[red]missing[/]" if (ticker, form, year) in missing
                    else marks[status.get((ticker, form, year))] for year in years))
    console.print(table)
    for outcome in report.failed:
        console.print(f"[red]failed[/] {outcome.filing.ticker} {outcome.filing.form} "
                      f"{outcome.filing.accession_number}: {outcome.error}")
    for m in report.missing:
        console.print(f"[yellow]missing[/] {m.ticker} {m.form} FY{m.fiscal_year}: {m.reason}")
    if report.unknown_tickers:
        console.print(f"[yellow]unknown tickers[/] (not in EDGAR's ticker map): {', '.join(report.unknown_tickers)}")
    counts = {s: sum(o.status == s for o in report.outcomes) for s in ("downloaded", "cached", "planned", "failed")}
    console.print(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no filing listed")


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
@click.option("--tickers", required=True,
              help="Comma-separated tickers and universes: DJIA (the 30 companies of the reference benchmark), "
                   "DJIA@pit (the members on 31 December of each fiscal year).")
@click.option("--years", required=True, callback=_year_range,
              help="Fiscal years, e.g. 2019-2023; a filing's year is its dei DocumentFiscalYearFocus.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_CORPUS, show_default=True,
              help="Corpus folder, one folder per filing, as `build --source` reads it.")
@click.option("--forms", default="10-K", show_default=True, help="Comma-separated form types, e.g. 10-K,10-Q.")
@click.option("--include-amendments", is_flag=True, help="Also fetch amendments (10-K/A).")
@_user_agent_option
@click.option("--dry-run", is_flag=True, help="List the filings that would be fetched; write nothing.")
@click.option("--attempts", type=click.IntRange(min=1), default=5, show_default=True,
              help="Tries per request before a filing counts as failed.")
@click.option("--backoff", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds before the first retry, doubled for each further one; a 429's Retry-After wins.")
def download(tickers, years, out, forms, include_amendments, user_agent, dry_run, attempts, backoff) -> None:
    """Fetch filings from SEC EDGAR into a corpus folder, politely (at most 10 requests per second) and resumably.

    Filings already complete in --out are not fetched again. A filing that
    fails is reported, here and in download_report.json, and the others go
    on; the exit status is 1 when anything requested is missing.
    XBRLKIT_EDGAR_WWW and XBRLKIT_EDGAR_DATA point at an EDGAR mirror instead
    of www.sec.gov and data.sec.gov.
    """
    from rich.console import Console

    from xbrlkit import edgar

    selection = edgar.select(tickers, years)
    report = _download_with_progress(Console(stderr=True), lambda progress: edgar.download(
        selection, out, user_agent=user_agent, forms=_comma_list(forms), include_amendments=include_amendments,
        dry_run=dry_run, policy=edgar.RetryPolicy(attempts=attempts, backoff=backoff), progress=progress))
    _print_download_report(report, Console())
    if not report.complete:
        sys.exit(1)


@cli.command()
@click.option("--source", "sources", multiple=True, type=click.Path(path_type=Path),
              help="A folder of filing folders and/or loose instance or inline documents (each one filing, e.g. "
                   "../shared/xbrl/inline), one filing folder, or one document; repeatable. "
                   f"Default: ./{DEFAULT_CORPUS} with --tickers, else the bundled sample filing.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/xbrl-datasets"),
              show_default=True, help="Dataset folder to write (replaced atomically when the build succeeds).")
@click.option("--years", callback=_year_range, help="Fiscal years to use, e.g. 2019-2023 [default: all].")
@click.option("--tickers", help="Comma-separated tickers and universes (DJIA, DJIA@pit) to use [default: all].")
@click.option("--download/--no-download", "fetch", default=True, show_default=True,
              help="With --tickers and --years, first download from SEC EDGAR the requested filings --source lacks.")
@_user_agent_option
@click.option("--split", "split_by", type=click.Choice(["year", "company"]), default="year", show_default=True,
              help="year: test = --split-test-year; company: a seeded 20% of companies form the test split.")
@click.option("--split-test-year", "test_year", type=int, default=2023, show_default=True)
@click.option("--format", "style", type=click.Choice(["rich", "finlora"]), default="rich", show_default=True,
              help="How facts appear in the context: readable lines, or XML elements as in the reference.")
@click.option("--max-context-chars", type=click.IntRange(min=200), default=8000, show_default=True,
              help="Character budget of the facts in each question's context.")
@click.option("--forms", default="10-K", show_default=True, help="Comma-separated form types to use.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for template choice and company split.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Filings processed in parallel.")
@click.option("--concepts", "concepts_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Concept catalog YAML [default: bundled].")
@click.option("--formulas", "formulas_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Ratio formulas YAML [default: bundled].")
@_reader_options
def build(sources, out, years, tickers, fetch, user_agent, split_by, test_year, style, max_context_chars, forms, seed,
          jobs, concepts_file, formulas_file, reader, taxonomy_cache, taxonomy_packages, strict) -> None:
    """Build the four XBRL task datasets (tags, values, formula construction and calculation) from filings."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import track
    from rich.table import Table

    from xbrlkit import edgar
    from xbrlkit.datasets.pipeline import BuildConfig, build_datasets

    if taxonomy_packages:
        raise click.UsageError("build reads taxonomies from --taxonomy-cache only; --taxonomy-package is for info/facts")
    console = Console(stderr=True)
    selection = edgar.select(tickers, years) if tickers else {}
    sources = sources or (DEFAULT_CORPUS if tickers else Path(str(SAMPLE)),)
    if fetch and selection:  # into the first source, the corpus folder
        fetched = _download_with_progress(console, lambda progress: edgar.ensure(
            sources[0], selection, _comma_list(forms), user_agent, progress))
        if fetched:
            _print_download_report(fetched, console)
    config = BuildConfig(
        sources=tuple(source.resolve() for source in sources), years=years, tickers=selection,
        split_by=split_by, test_year=test_year, style=style, max_context_chars=max_context_chars, seed=seed,
        reader=reader, taxonomy_cache=taxonomy_cache, forms=_comma_list(forms), strict=strict,
        concepts_file=concepts_file, formulas_file=formulas_file)
    result = build_datasets(config, out, jobs, progress=lambda results, total: track(
        results, total=total, description="filings", console=console, transient=True))
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
    for name, why in summary["filings"]["ignored_files"].items():
        console.print(f"[yellow]ignored[/] {name}: {why}")
    for name, rejected in summary["rejected_facts"].items():
        console.print(f"[yellow]rejected[/] {rejected['count']} facts of {name}, first: {escape(rejected['first'][0])}")
    if not any(sum(c.values()) for c in summary["questions"].values()):
        raise XbrlError("no question could be generated", ", ".join(str(s) for s in config.sources),
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
    run_group(cli, "xbrlkit")
