"""`xbrlkit push`: upload a built dataset folder to the Hugging Face Hub (finlora_common.hub)."""
from __future__ import annotations

from pathlib import Path

from finlora_common.hub import upload_folder
from xbrlkit.errors import XbrlError


def push(folder: Path, repo_id: str, private: bool = False, token: str | None = None) -> str:
    """Create the dataset repo if needed and upload `folder` in one commit; returns the commit URL."""
    if not (folder / "README.md").is_file() or not (folder / "build_summary.json").is_file():
        raise XbrlError("not an xbrlkit build folder (README.md and build_summary.json missing)", folder,
                        hint="run `xbrlkit build --out DIR` first")
    return upload_folder(folder, repo_id, "dataset", "Upload XBRL task datasets built with xbrlkit", XbrlError,
                         private=private, token=token)
