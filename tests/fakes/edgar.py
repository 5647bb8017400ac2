"""A fake SEC EDGAR on loopback, serving the real filings of the shared test data in EDGAR's URL layout.

Two URL prefixes stand for EDGAR's two hosts (`env()` points XBRLKIT_EDGAR_WWW
and XBRLKIT_EDGAR_DATA at them, so mixing the hosts up fails):

    /www/files/company_tickers_exchange.json                        the ticker map
    /data/submissions/CIK##########.json                            a company's submissions listing, and older pages
    /www/Archives/edgar/data/<cik>/<accession, no dashes>/<accession>.txt   the full submission
    /www/Archives/edgar/data/<cik>/<accession, no dashes>/index.json        the filing index
    /www/Archives/edgar/data/<cik>/<accession, no dashes>/<document>        one document

Apple's listing is its real one (`../shared/edgar`), with one synthesised row
for the FY2023 10-K that the snapshot predates; the other listings are
synthesised from `FILINGS`. Full submissions are assembled from the filing
folders in the format of the real `../shared/edgar/aapl-8k-20191115.txt`, with
a stand-in primary document where the folder has none, and an exhibit and a
graphic that a download must leave out. Newer submissions carry EDGAR's
extracted `*_htm.xml` instance; older ones (filed before 2021) have it only in
the filing index, so both ways of getting it are exercised.

Every request is logged with its time and status; faults can be queued per path.
"""
from __future__ import annotations

import binascii
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

USER_AGENT = "xbrlkit tests tests@example.com"
COMPANIES = {  # ticker: (CIK, name), as the filings' dei report them
    "AAPL": (320193, "Apple Inc."),
    "AMZN": (1018724, "AMAZON.COM, INC."),
    "BA": (12927, "BOEING CO"),
    "FIZZ": (69891, "National Beverage Corp."),
    "IBM": (51143, "INTERNATIONAL BUSINESS MACHINES CORPORATION"),
    "ISDR": (843006, "ISSUER DIRECT CORP"),
    "KO": (21344, "COCA COLA CO"),
    "MSFT": (789019, "MICROSOFT CORPORATION"),
}
FAULTS = ("429", "503", "reset", "truncate", "cut", "stall")
"""429 with Retry-After: 1; 503; connection reset without an answer; half the body under the full
Content-Length; half the body under a matching Content-Length (as a broken proxy might send it); half
the body, then silence until `reset()` or the server stops."""


@dataclass(frozen=True)
class FakeFiling:
    ticker: str
    folder: str
    """The filing folder in the shared filings whose documents are served."""
    form: str
    accession: str
    filing_date: str
    report_date: str
    primary_document: str

    @property
    def cik(self) -> int:
        return COMPANIES[self.ticker][0]

    @property
    def extracted_in_submission(self) -> bool:
        return self.filing_date >= "2021"


FILINGS = (
    # Rows of Apple's real listing: its FY2019, FY2020 and FY2022 10-Ks.
    FakeFiling("AAPL", "AAPL_10-K_FY2019_noxsd", "10-K", "0000320193-19-000119", "2019-10-31", "2019-09-28",
               "a10-k20199282019.htm"),
    FakeFiling("AAPL", "AAPL_10-K_FY2020_noxsd", "10-K", "0000320193-20-000096", "2020-10-30", "2020-09-26",
               "aapl-20200926.htm"),
    FakeFiling("AAPL", "AAPL_10-K_FY2022", "10-K", "0000320193-22-000108", "2022-10-28", "2022-09-24",
               "aapl-20220924.htm"),
    # Synthesised rows (made-up accession numbers, sequence 9xxxxx).
    FakeFiling("AAPL", "AAPL_10-K_FY2023", "10-K", "0000320193-23-900001", "2023-11-03", "2023-09-30",
               "aapl-20230930.htm"),
    FakeFiling("AMZN", "AMZN_10-K_FY2022", "10-K", "0001018724-23-900001", "2023-02-03", "2022-12-31",
               "amzn-20221231.htm"),
    FakeFiling("BA", "BA_10-K_FY2023", "10-K", "0000012927-24-900001", "2024-01-31", "2023-12-31", "ba-20231231.htm"),
    FakeFiling("FIZZ", "FIZZ_10-K_FY2020", "10-K", "0000069891-20-900001", "2020-07-17", "2020-05-02",
               "fizz20200502_10k.htm"),
    FakeFiling("FIZZ", "FIZZ_10-K_FY2020", "10-K/A", "0000069891-20-900002", "2020-08-28", "2020-05-02",
               "fizz20200502_10k.htm"),
    FakeFiling("IBM", "IBM_10-K_FY2024", "10-K", "0000051143-25-900001", "2025-02-25", "2024-12-31",
               "ibm-20241231.htm"),
    FakeFiling("ISDR", "ISDR_10-K_FY2019", "10-K", "0000843006-20-900001", "2020-03-10", "2019-12-31",
               "isdr-20191231x10k.htm"),
    FakeFiling("KO", "KO_10-Q_2023Q2", "10-Q", "0000021344-23-900001", "2023-07-27", "2023-06-30", "ko-20230630.htm"),
    FakeFiling("MSFT", "MSFT_10-K_FY2015", "10-K", "0000789019-15-900001", "2015-07-31", "2015-06-30",
               "msft-10k_20150630.htm"),
)
_REAL_ROWS = 3
"""The first FILINGS are rows of Apple's real listing."""
_GRAPHIC = b"begin 644 logo.jpg\n" + binascii.b2a_uu(b"\xff\xd8\xff\xe0 not really a JPEG") + b"`\nend\n"


@dataclass(frozen=True)
class Hit:
    time: float
    path: str
    status: int
    """0 when the connection was dropped without an answer."""


@dataclass(frozen=True)
class _Document:
    type: str
    name: str
    body: bytes
    wrapper: str | None


class FakeEdgar:
    """The server; use as a context manager. `log` holds every request, oldest first."""

    def __init__(self, filings_dir: Path, edgar_dir: Path):
        self._filings_dir = filings_dir
        self._edgar_dir = edgar_dir
        self.log: list[Hit] = []
        self.stalled = threading.Event()
        """Set once a stall fault holds a request."""
        self._faults: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._cache: dict[str, bytes] = {}
        self._documents = {filing: self._read_documents(filing) for filing in FILINGS}
        self._routes = self._build_routes()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]

    def __enter__(self) -> FakeEdgar:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        return {"XBRLKIT_EDGAR_WWW": f"{self.base}/www", "XBRLKIT_EDGAR_DATA": f"{self.base}/data"}

    def reset(self) -> None:
        """Forget the log and the queued faults, and let go of any stalled request."""
        with self._lock:
            self.log.clear()
            self._faults.clear()
            self.stalled.clear()
            self._release.set()
            self._release = threading.Event()

    def fault(self, path: str, *kinds: str) -> None:
        """Answer the next requests for `path` with these faults, in order; then normally."""
        assert set(kinds) <= set(FAULTS), kinds
        with self._lock:
            self._faults.setdefault(path, []).extend(kinds)

    def body(self, path: str) -> bytes | None:
        with self._lock:
            if path not in self._cache and path in self._routes:
                self._cache[path] = self._routes[path]()
            return self._cache.get(path)

    @staticmethod
    def path(filing: FakeFiling, document: str | None = None) -> str:
        """The path of a filing's document; without one, of its full submission."""
        return (f"/www/Archives/edgar/data/{filing.cik}/{filing.accession.replace('-', '')}/"
                f"{document or filing.accession + '.txt'}")

    def hits(self, part: str = "") -> list[Hit]:
        with self._lock:
            return [hit for hit in self.log if part in hit.path]

    def _take_fault(self, path: str) -> str | None:
        with self._lock:
            queue = self._faults.get(path)
            return queue.pop(0) if queue else None

    def _record(self, when: float, path: str, status: int) -> None:
        with self._lock:
            self.log.append(Hit(when, path, status))

    # -- content ---------------------------------------------------------------------------------

    def _build_routes(self) -> dict[str, Callable[[], bytes]]:
        routes: dict[str, Callable[[], bytes]] = {
            "/www/files/company_tickers_exchange.json": lambda: _json({
                "fields": ["cik", "name", "ticker", "exchange"],
                "data": [[cik, name, ticker, "NYSE"] for ticker, (cik, name) in COMPANIES.items()]}),
            "/data/submissions/CIK0000320193.json": self._apple_listing,
            "/data/submissions/CIK0000320193-submissions-001.json":
                lambda: (self._edgar_dir / "CIK0000320193-submissions-001.json").read_bytes(),
        }
        for ticker, (cik, _) in COMPANIES.items():
            if ticker != "AAPL":
                routes[f"/data/submissions/CIK{cik:010d}.json"] = lambda ticker=ticker: self._listing(ticker)
        for filing in FILINGS:
            routes[self.path(filing)] = lambda filing=filing: self._full_submission(filing)
            routes[self.path(filing, "index.json")] = lambda filing=filing: self._index(filing)
            for document in self._documents[filing]:
                routes[self.path(filing, document.name)] = lambda body=document.body: body
        return routes

    def _apple_listing(self) -> bytes:
        listing = json.loads((self._edgar_dir / "CIK0000320193.json").read_bytes())
        recent = listing["filings"]["recent"]
        for filing in FILINGS[:_REAL_ROWS]:
            row = recent["accessionNumber"].index(filing.accession)
            assert (recent["form"][row], recent["filingDate"][row], recent["reportDate"][row],
                    recent["primaryDocument"][row]) == (filing.form, filing.filing_date, filing.report_date,
                                                        filing.primary_document), filing
        synthesised = _columns([f for f in FILINGS[_REAL_ROWS:] if f.ticker == "AAPL"])
        for column, values in recent.items():
            recent[column] = synthesised.get(column, [""] * len(synthesised["form"])) + values
        return _json(listing)

    @staticmethod
    def _listing(ticker: str) -> bytes:
        cik, name = COMPANIES[ticker]
        rows = [f for f in FILINGS if f.ticker == ticker]
        return _json({"cik": str(cik), "name": name, "tickers": [ticker],
                      "filings": {"recent": _columns(rows), "files": []}})

    def _read_documents(self, filing: FakeFiling) -> list[_Document]:
        folder = self._filings_dir / filing.folder
        primary = folder / filing.primary_document
        documents = [_Document(filing.form, filing.primary_document, primary.read_bytes(), "XBRL") if primary.exists()
                     else _Document(filing.form, filing.primary_document, _stand_in(filing), None),
                     _Document("EX-21.1", "ex21.htm", b"<html><body><p>Subsidiaries</p></body></html>\n", None)]
        for path in sorted(folder.iterdir()):
            if path.name != filing.primary_document:
                kind = _type_of(path.name)
                documents.append(_Document(kind, path.name, path.read_bytes(), "XML" if kind == "XML" else "XBRL"))
        return documents + [_Document("GRAPHIC", "logo.jpg", _GRAPHIC, None)]

    def _full_submission(self, filing: FakeFiling) -> bytes:
        documents = [d for d in self._documents[filing] if d.type != "XML" or filing.extracted_in_submission]
        cik, name = COMPANIES[filing.ticker]
        day = filing.filing_date.replace("-", "")
        parts = [(f"<SEC-DOCUMENT>{filing.accession}.txt : {day}\n<SEC-HEADER>{filing.accession}.hdr.sgml : {day}\n"
                  f"<ACCEPTANCE-DATETIME>{day}060000\nACCESSION NUMBER:\t\t{filing.accession}\n"
                  f"CONFORMED SUBMISSION TYPE:\t{filing.form}\nPUBLIC DOCUMENT COUNT:\t\t{len(documents)}\n"
                  f"CONFORMED PERIOD OF REPORT:\t{filing.report_date.replace('-', '')}\nFILED AS OF DATE:\t\t{day}\n\n"
                  f"FILER:\n\n\tCOMPANY DATA:\t\n\t\tCOMPANY CONFORMED NAME:\t\t\t{name}\n"
                  f"\t\tCENTRAL INDEX KEY:\t\t\t{cik:010d}\n</SEC-HEADER>\n").encode()]
        for sequence, document in enumerate(documents, 1):
            text = (b"<%s>\n%s\n</%s>" % (document.wrapper.encode(), document.body, document.wrapper.encode())
                    if document.wrapper else document.body)
            parts.append(b"<DOCUMENT>\n<TYPE>%s\n<SEQUENCE>%d\n<FILENAME>%s\n<DESCRIPTION>%s\n<TEXT>\n%s\n</TEXT>\n"
                         b"</DOCUMENT>\n" % (document.type.encode(), sequence, document.name.encode(),
                                             document.type.encode(), text))
        return b"".join(parts) + b"</SEC-DOCUMENT>\n"

    def _index(self, filing: FakeFiling) -> bytes:
        folder = f"/Archives/edgar/data/{filing.cik}/{filing.accession.replace('-', '')}"
        names = [(d.name, len(d.body)) for d in self._documents[filing]]
        names += [(f"{filing.accession}.txt", 0), (f"{filing.accession}-index.htm", 0)]
        return _json({"directory": {"name": folder, "parent-dir": f"/Archives/edgar/data/{filing.cik}/", "item": [
            {"last-modified": f"{filing.filing_date} 06:00:00", "name": name, "type": "text.gif", "size": str(size)}
            for name, size in names]}})


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        fake: FakeEdgar = self.server.fake  # type: ignore[attr-defined]
        arrived = time.monotonic()
        fault = fake._take_fault(self.path)
        body = fake.body(self.path)
        if fault == "reset":
            fake._record(arrived, self.path, 0)
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        status = {"429": 429, "503": 503}.get(fault or "", 200 if body is not None else 404)
        fake._record(arrived, self.path, status)
        if status != 200:
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if fault == "cut":
            body = body[: len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if self.path.endswith(".json") else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if fault in ("truncate", "stall"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if fault == "stall":
                fake.stalled.set()
                fake._release.wait(120)
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass


def _json(data) -> bytes:
    return json.dumps(data, indent=1).encode()


def _columns(filings: list[FakeFiling]) -> dict[str, list]:
    return {"accessionNumber": [f.accession for f in filings], "filingDate": [f.filing_date for f in filings],
            "reportDate": [f.report_date for f in filings], "form": [f.form for f in filings],
            "primaryDocument": [f.primary_document for f in filings],
            "isXBRL": [1] * len(filings), "isInlineXBRL": [int(f.extracted_in_submission) for f in filings]}


def _type_of(name: str) -> str:
    """The EDGAR document type of an XBRL file, by its name."""
    for suffix, kind in (("_htm.xml", "XML"), (".xsd", "EX-101.SCH"), ("_cal.xml", "EX-101.CAL"),
                         ("_def.xml", "EX-101.DEF"), ("_lab.xml", "EX-101.LAB"), ("_pre.xml", "EX-101.PRE"),
                         (".xml", "EX-101.INS")):
        if name.endswith(suffix):
            return kind
    raise ValueError(f"unexpected file in a shared filing folder: {name}")


def _stand_in(filing: FakeFiling) -> bytes:
    return (f"<html><body><p>{filing.form} of {COMPANIES[filing.ticker][1]} for the period ended "
            f"{filing.report_date}: stand-in primary document of the fake EDGAR</p></body></html>\n").encode()
