"""SEC EDGAR over HTTP, through sec-edgar-downloader, with timeouts and retries.

sec-edgar-downloader gives the EDGAR URL layout, the ticker -> CIK map, the
submissions listing and its rate limiter (10 requests per second, SEC's
fair-access limit, shared by every request of the process). Its URLs are
module constants and its one transport function has no timeout and no retry:
`_configure_library` is the one place that points those URLs at our
`Endpoints` and gives the library a transport that keeps its limiter and adds
a timeout. `Client` retries each call with exponential backoff.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import requests
from sec_edgar_downloader import _constants, _orchestrator, _sec_gateway

from xbrlkit.errors import XbrlError

T = TypeVar("T")
USER_AGENT_ENV = "SEC_USER_AGENT"
_USER_AGENT = re.compile(r"\S.*\s\S+@\S+\.\w+")
"""SEC's fair-access format: "Sample Company Name AdminContact@example.com"."""


@dataclass(frozen=True)
class Endpoints:
    """Base URLs of EDGAR's two hosts; tests and mirrors override them through the environment."""

    www: str = f"https://{_constants.HOST_WWW_SEC}"
    data: str = f"https://{_constants.HOST_DATA_SEC}"

    @classmethod
    def from_env(cls) -> Endpoints:
        """Env XBRLKIT_EDGAR_WWW and XBRLKIT_EDGAR_DATA, or the real hosts."""
        return cls(www=os.environ.get("XBRLKIT_EDGAR_WWW", cls.www).rstrip("/"),
                   data=os.environ.get("XBRLKIT_EDGAR_DATA", cls.data).rstrip("/"))


@dataclass(frozen=True)
class RetryPolicy:
    """Retries for 429 (after its Retry-After), 5xx, dropped connections, timeouts and truncated bodies."""

    attempts: int = 5
    backoff: float = 1.0
    """Seconds before the first retry; doubled for each further one."""
    max_delay: float = 60.0
    """Cap on any single wait, Retry-After included."""
    timeout: float = 60.0
    """Seconds to connect, and the longest silence while reading."""

    def delay(self, retry: int, retry_after: float | None) -> float:
        return min(self.max_delay, max(self.backoff * 2 ** retry, retry_after or 0.0))


class FetchError(XbrlError):
    """A request that failed for good: a 4xx answer, or a transient failure that outlasted the retries."""


class Incomplete(Exception):
    """A body that arrived whole by HTTP's account but is cut short: retried like a dropped connection."""


@dataclass(frozen=True)
class FilingRef:
    """One filing as a company's EDGAR submissions listing describes it."""

    ticker: str
    cik: str
    """Ten digits, zero-padded."""
    company: str
    accession_number: str
    form: str
    filing_date: str
    period_of_report: str | None
    primary_document: str

    @property
    def submission_file(self) -> str:
        """The full-submission file's name."""
        return f"{self.accession_number}.txt"

    @property
    def base_form(self) -> str:
        """The form without the amendment suffix: `10-K` for `10-K/A`."""
        return self.form.removesuffix(_constants.AMENDS_SUFFIX)

    @property
    def is_amendment(self) -> bool:
        return self.form.endswith(_constants.AMENDS_SUFFIX)

    def possible_fiscal_years(self) -> frozenset[int]:
        """The fiscal years the filing may report on, judged before its dei is read.

        Usually the year its period ends. A year ending in January to March may
        be named after the year before (retailers, 52/53-week years), and a
        quarter may end in the calendar year before its fiscal year does.
        Without a period, the filing date is a year late at most.
        """
        end = dt.date.fromisoformat(self.period_of_report or self.filing_date)
        years = {end.year}
        if end.month <= 3 or not self.period_of_report:
            years.add(end.year - 1)
        if self.base_form.startswith("10-Q"):
            years.add(end.year + 1)
        return frozenset(years)


def require_user_agent(user_agent: str | None, alternative: str = "") -> str:
    """`user_agent`, if it has SEC's fair-access form; else an error that says why one is needed.

    `alternative` adds a way out to the error's hint, e.g. "or --no-download".
    """
    hint = f'pass --user-agent "Your Name you@example.com" or set {USER_AGENT_ENV}{alternative}'
    if not user_agent or not user_agent.strip():
        raise XbrlError("no User-Agent for SEC EDGAR: SEC's fair-access policy refuses requests that do not name "
                        "the requester and an email address", hint=hint)
    if not _USER_AGENT.fullmatch(user_agent.strip()):
        raise XbrlError(f"User-Agent {user_agent!r} does not give a name and an email address, as SEC's fair-access "
                        "policy requires", hint=hint)
    return user_agent.strip()


def _configure_library(endpoints: Endpoints, transport: Callable[[str, str, str], requests.Response]) -> None:
    """Point sec-edgar-downloader's URL constants at `endpoints` and route its requests through `transport`."""
    def rebase(url: str, host: str, base: str) -> str:
        return url.replace(f"https://{host}", base, 1)

    www, data = _constants.HOST_WWW_SEC, _constants.HOST_DATA_SEC
    rate_limited = _sec_gateway.limiter.as_decorator(name="sec_global_rate_limit", weight=1)
    settings = [
        (_sec_gateway, "URL_CIK_MAPPING", rebase(_constants.URL_CIK_MAPPING, www, endpoints.www)),
        (_orchestrator, "URL_FILING", rebase(_constants.URL_FILING, www, endpoints.www)),
        (_orchestrator, "URL_SUBMISSIONS", rebase(_constants.URL_SUBMISSIONS, data, endpoints.data)),
        (_sec_gateway, "_call_sec", rate_limited(transport)),
    ]
    for module, name, value in settings:
        if not hasattr(module, name):  # a release that moved it would otherwise silently talk to the real SEC
            raise RuntimeError(f"sec-edgar-downloader has no {module.__name__}.{name}: check its version")
        setattr(module, name, value)


class Client:
    """EDGAR requests for one user agent: rate-limited, with a timeout, retried by `policy`."""

    def __init__(self, user_agent: str, endpoints: Endpoints, policy: RetryPolicy):
        self.user_agent = require_user_agent(user_agent)
        self.policy = policy
        self._session = requests.Session()
        _configure_library(endpoints, self._transport)

    def _transport(self, uri: str, user_agent: str, host: str) -> requests.Response:
        # `host` is the library's Host header for the real SEC; requests derives the right one from `uri`.
        response = self._session.get(uri, headers={**_constants.STANDARD_HEADERS, "User-Agent": user_agent},
                                     timeout=self.policy.timeout)
        response.raise_for_status()
        return response

    def cik_by_ticker(self) -> dict[str, str]:
        """Upper-case ticker -> ten-digit CIK, from EDGAR's company ticker map."""
        return self._retry(_sec_gateway.URL_CIK_MAPPING,
                           lambda: _orchestrator.get_ticker_to_cik_mapping(self.user_agent))

    def filings(self, ticker: str, cik: str, since: dt.date) -> list[FilingRef]:
        """The company's filings from `since` on, newest first, from its submissions listing: the recent
        ones, then the older pages (`filings.files`) that reach back to `since`."""
        first = self.get_json(_orchestrator.URL_SUBMISSIONS.format(
            submission=_constants.SUBMISSION_FILE_FORMAT.format(cik=cik)))
        pages = [first["filings"]["recent"]]
        pages += [self.get_json(_orchestrator.URL_SUBMISSIONS.format(submission=older["name"]))
                  for older in first["filings"].get("files", []) if older["filingTo"] >= since.isoformat()]
        return [FilingRef(ticker, cik, first.get("name", ticker), accession, form, filed, period or None, document)
                for page in pages
                for accession, form, filed, period, document in zip(
                    page["accessionNumber"], page["form"], page["filingDate"], page["reportDate"],
                    page["primaryDocument"], strict=True)
                if filed >= since.isoformat()]

    def filing_url(self, filing: FilingRef, document: str) -> str:
        return _orchestrator.URL_FILING.format(
            cik=int(filing.cik), acc_num_no_dash=filing.accession_number.replace("-", ""), document=document)

    def get(self, url: str, complete: Callable[[bytes], bool] = lambda body: True) -> bytes:
        """The body at `url`; one that `complete` rejects is refetched as truncated."""
        def fetch() -> bytes:
            body = _sec_gateway.download_filing(url, self.user_agent)
            if not complete(body):
                raise Incomplete("body cut short")
            return body
        return self._retry(url, fetch)

    def get_json(self, url: str) -> Any:
        """The JSON document at `url`; one that does not parse (cut short) is refetched."""
        # The library's one JSON request, named after the submissions listing it was written for.
        return self._retry(url, lambda: _sec_gateway.get_list_of_available_filings(url, self.user_agent))

    def _retry(self, url: str, call: Callable[[], T]) -> T:
        for retry in range(self.policy.attempts):
            try:
                return call()
            except requests.HTTPError as error:
                status = error.response.status_code
                if status != 429 and status < 500:
                    raise FetchError(f"HTTP {status} {error.response.reason}", url) from None
                failure, retry_after = f"HTTP {status}", _retry_after(error.response)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError, json.JSONDecodeError, Incomplete) as error:
                failure, retry_after = f"{type(error).__name__}: {error}", None
            if retry + 1 < self.policy.attempts:
                time.sleep(self.policy.delay(retry, retry_after))
        raise FetchError(f"gave up after {self.policy.attempts} attempts, the last: {failure}", url)


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds: a number, or an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (email.utils.parsedate_to_datetime(value) - dt.datetime.now(dt.timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None
