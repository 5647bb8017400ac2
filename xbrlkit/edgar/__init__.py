"""SEC EDGAR -> a corpus folder.

`download` fetches a ticker selection's filings (`universe.select` reads tickers and universes such as DJIA),
`ensure` fetches only what a corpus lacks. Underneath: `client` (polite HTTP with retries), `submission` (splitting
a full submission into its documents) and `corpus` (the folder layout, and the `filing.json` of each filing).
"""
from xbrlkit.edgar.client import RetryPolicy
from xbrlkit.edgar.downloader import DownloadReport, download, ensure
from xbrlkit.edgar.universe import select

__all__ = ["DownloadReport", "RetryPolicy", "download", "ensure", "select"]
