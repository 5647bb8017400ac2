"""`xbrlkit download`: the filings of a ticker selection from SEC EDGAR, politely and resumably.

For each ticker: resolve its CIK, list its filings of the requested forms whose
period can fall in the requested fiscal years, and fetch each one the corpus
does not hold yet: the full submission, split into the documents a loadable
filing folder needs (primary document, company schema and linkbases, XBRL
instance), plus EDGAR's extracted instance (`*_htm.xml`) from the filing index
when the submission lacks it. A filing's fiscal year is its dei
DocumentFiscalYearFocus, read once its documents are staged; that names its
folder (see `xbrlkit.edgar.corpus`). A filing that fails is reported, in the returned
`DownloadReport` and in `download_report.json`, and the others go on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Literal, Protocol, Sequence

from xbrlkit.edgar.client import Client, Endpoints, FetchError, FilingRef, RetryPolicy, require_user_agent
from xbrlkit.edgar.corpus import Corpus, folder_name
from xbrlkit.edgar.submission import Document, is_complete, split
from xbrlkit.edgar.universe import Selection
from xbrlkit.errors import XbrlError
from xbrlkit.read.loader import load

_KEPT_TYPES = frozenset({"EX-101.INS", "EX-101.SCH", "EX-101.CAL", "EX-101.DEF", "EX-101.LAB", "EX-101.PRE"})
_EXTRACTED = "_htm.xml"
"""Suffix of the instance EDGAR extracts from an inline XBRL document."""
_INDEX = "index.json"
"""The filing index: EDGAR's listing of the filing's folder."""

Status = Literal["planned", "cached", "downloaded", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What became of one listed filing: fetched now, already in the corpus, failed, or (dry run) planned."""

    filing: FilingRef
    status: Status
    folder: str | None = None
    fiscal_year: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Missing:
    """A requested (ticker, form, fiscal year) that the corpus does not hold, and why."""

    ticker: str
    form: str
    fiscal_year: int
    reason: str


@dataclass(frozen=True)
class DownloadReport:
    selection: Selection
    forms: tuple[str, ...]
    include_amendments: bool
    dry_run: bool
    outcomes: tuple[Outcome, ...]
    missing: tuple[Missing, ...]
    unknown_tickers: tuple[str, ...]

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def complete(self) -> bool:
        """Whether everything requested is there (or, in a dry run, would be fetched)."""
        return not (self.missing or self.unknown_tickers or self.failed)

    def to_json(self) -> dict:
        return {
            "request": {"tickers": {t: list(years) for t, years in self.selection.items()}, "forms": list(self.forms),
                        "include_amendments": self.include_amendments},
            "dry_run": self.dry_run, "complete": self.complete,
            "filings": [{**asdict(o.filing), "status": o.status, "folder": o.folder, "fiscal_year": o.fiscal_year,
                         "error": o.error} for o in self.outcomes],
            "missing": [asdict(m) for m in self.missing],
            "unknown_tickers": list(self.unknown_tickers),
        }


class Progress(Protocol):
    def company(self, ticker: str, filings: int) -> None:
        """`filings` of `ticker` are listed for the request."""

    def filing(self, outcome: Outcome) -> None:
        """One of them is done with."""


class _Quiet:
    def company(self, ticker: str, filings: int) -> None:
        pass

    def filing(self, outcome: Outcome) -> None:
        pass


def download(selection: Selection, out_dir: Path, *, user_agent: str | None, forms: Sequence[str] = ("10-K",),
             include_amendments: bool = False, dry_run: bool = False, policy: RetryPolicy = RetryPolicy(),
             endpoints: Endpoints | None = None, progress: Progress = _Quiet()) -> DownloadReport:
    """Fetch the `forms` filings of `selection` (ticker -> fiscal years) into the corpus `out_dir`.

    Filings already complete there are not fetched again. `dry_run` lists and
    writes nothing. Raises `XbrlError` only when nothing can start (no user
    agent, no ticker map); everything else is in the report.
    """
    client = Client(require_user_agent(user_agent), endpoints or Endpoints.from_env(), policy)
    corpus = Corpus(out_dir)
    if not dry_run:
        corpus.check_writable()
    stored = corpus.stored()
    ciks = client.cik_by_ticker()
    plan, unavailable = _plan(client, selection, ciks, tuple(forms), include_amendments)
    for ticker, filings in plan.items():
        progress.company(ticker, len(filings))
    outcomes = []
    for filing in (f for filings in plan.values() for f in filings):
        if filing.accession_number in stored:
            known = stored[filing.accession_number]
            outcome = Outcome(filing, "cached", known.folder, known.fiscal_year)
        else:
            outcome = Outcome(filing, "planned") if dry_run else _fetch(client, corpus, filing)
        progress.filing(outcome)
        outcomes.append(outcome)
    present = {(s.ticker, s.form, s.fiscal_year) for s in corpus.stored().values()}
    # A dry run counts what it would fetch as present in each year the filing may turn out to report on.
    present |= {(o.filing.ticker, o.filing.form, year) for o in outcomes if o.status == "planned"
                for year in o.filing.possible_fiscal_years()}
    unknown = tuple(t for t in selection if t not in ciks)
    report = DownloadReport(selection, tuple(forms), include_amendments, dry_run, tuple(outcomes),
                            _missing(selection, forms, present, outcomes, unavailable, unknown), unknown)
    if not dry_run:
        corpus.write_report(report.to_json())
        corpus.tidy()
    return report


def ensure(corpus_dir: Path, selection: Selection, forms: Sequence[str], user_agent: str | None,
           progress: Progress = _Quiet()) -> DownloadReport | None:
    """Download the filings of `selection` that `corpus_dir` lacks; None, without any request, if it lacks none."""
    present = {(s.ticker, s.form, s.fiscal_year) for s in Corpus(corpus_dir).stored().values()}
    lacking = {ticker: tuple(y for y in years if any((ticker, form, y) not in present for form in forms))
               for ticker, years in selection.items()}
    lacking = {ticker: years for ticker, years in lacking.items() if years}
    if not lacking:
        return None
    user_agent = require_user_agent(user_agent, alternative=", or pass --no-download to use only the filings on disk")
    return download(lacking, corpus_dir, user_agent=user_agent, forms=forms, progress=progress)


def _plan(client: Client, selection: Selection, ciks: dict[str, str], forms: tuple[str, ...],
          include_amendments: bool) -> tuple[dict[str, list[FilingRef]], dict[str, str]]:
    """The listed filings to fetch or find, by ticker, oldest first; and why a ticker's listing is unavailable."""
    plan, unavailable = {}, {}
    for ticker, years in selection.items():
        if ticker not in ciks or not years:
            continue
        try:
            listing = client.filings(ticker, ciks[ticker], since=dt.date(min(years) - 1, 1, 1))
        except FetchError as error:
            unavailable[ticker] = f"submissions listing unavailable: {error}"
            continue
        plan[ticker] = sorted((f for f in listing if f.base_form in forms
                               and (include_amendments or not f.is_amendment)
                               and f.possible_fiscal_years() & set(years)),
                              key=lambda f: (f.filing_date, f.accession_number))
    return plan, unavailable


def _fetch(client: Client, corpus: Corpus, filing: FilingRef) -> Outcome:
    """Download one filing into staging, read its fiscal year, and move it into place under its name."""
    staging = corpus.stage(filing.accession_number)
    try:
        documents = _documents(client, filing)
        for document in documents:
            corpus.write(staging / document.filename, document.body)
        loaded = load(staging, "fast")
        year = loaded.fiscal_year_focus
        if year is None:
            raise XbrlError("the filing reports no dei:DocumentFiscalYearFocus",
                            client.filing_url(filing, filing.submission_file))
        name = folder_name(filing.ticker, filing.form, year, loaded.fiscal_period_focus)
        meta = {**asdict(filing), "fiscal_year": year, "fiscal_period": loaded.fiscal_period_focus,
                "documents": {d.filename: d.type for d in sorted(documents, key=lambda d: d.filename)},
                "urls": _urls(client, filing, documents)}
        return Outcome(filing, "downloaded", corpus.commit(staging, name, meta), year)
    except XbrlError as error:
        corpus.discard(staging)
        return Outcome(filing, "failed", error=str(error))


def _documents(client: Client, filing: FilingRef) -> list[Document]:
    """What a loadable filing folder needs, from the full submission; plus the extracted instance that the
    filing index lists, when the submission lacks it."""
    url = client.filing_url(filing, filing.submission_file)
    documents = [d for d in split(client.get(url, complete=is_complete), url) if _wanted(d, filing)]
    if not any(d.filename.endswith(_EXTRACTED) for d in documents):
        index = client.get_json(client.filing_url(filing, _INDEX))
        documents += [Document("XML", name, "extracted XBRL instance", client.get(client.filing_url(filing, name)))
                      for name in _extracted_instances(index)]
    for document in documents:
        if document.filename != Path(document.filename).name or document.filename.startswith("."):
            raise XbrlError(f"refusing a document file name that leaves the filing folder: {document.filename!r}", url)
    return documents


def _urls(client: Client, filing: FilingRef, documents: Iterable[Document]) -> dict:
    return {"full_submission": client.filing_url(filing, filing.submission_file),
            "filing_index": client.filing_url(filing, _INDEX),
            "documents": {d.filename: client.filing_url(filing, d.filename)
                          for d in sorted(documents, key=lambda d: d.filename)}}


def _wanted(document: Document, filing: FilingRef) -> bool:
    return (document.type in _KEPT_TYPES or document.type == filing.form
            or document.filename == filing.primary_document or document.filename.endswith(_EXTRACTED))


def _extracted_instances(index: dict) -> list[str]:
    """The extracted instances a filing index (`index.json`, EDGAR's directory listing) names."""
    return [item["name"] for item in index["directory"]["item"] if item["name"].endswith(_EXTRACTED)]


def _missing(selection: Selection, forms: Sequence[str], present: set[tuple[str, str, int]],
             outcomes: Iterable[Outcome], unavailable: dict[str, str], unknown: tuple[str, ...]) -> tuple[Missing, ...]:
    failures = [o for o in outcomes if o.status == "failed"]
    missing = []
    for ticker, years in selection.items():
        if ticker in unknown:
            continue
        for form in forms:
            for year in (y for y in years if (ticker, form, y) not in present):
                failed = next((o for o in failures if (o.filing.ticker, o.filing.form) == (ticker, form)
                               and year in o.filing.possible_fiscal_years()), None)
                reason = unavailable.get(ticker) or (
                    f"the download of {failed.filing.accession_number} failed" if failed
                    else f"EDGAR lists no {form} for this fiscal year")
                missing.append(Missing(ticker, form, year, reason))
    return tuple(missing)
