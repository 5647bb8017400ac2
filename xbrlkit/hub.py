"""`xbrlkit push`: upload a built dataset folder to the Hugging Face Hub.

The token comes from the usual places (`HF_TOKEN`, `huggingface-cli login`);
it is never printed nor written into the folder. `HF_ENDPOINT` selects
another Hub (a mirror, or a test server).
"""
from __future__ import annotations

from pathlib import Path

from xbrlkit.errors import XbrlError


def push(folder: Path, repo_id: str, private: bool = False, token: str | None = None) -> str:
    """Create the dataset repo if needed and upload `folder` in one commit; returns the commit URL."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    if not (folder / "README.md").is_file() or not (folder / "build_summary.json").is_file():
        raise XbrlError("not an xbrlkit build folder (README.md and build_summary.json missing)", folder,
                        hint="run `xbrlkit build --out DIR` first")
    api = HfApi(token=token)
    try:
        # private=None leaves an organisation's default visibility in charge.
        api.create_repo(repo_id, repo_type="dataset", private=True if private else None, exist_ok=True)
        commit = api.upload_folder(folder_path=folder, repo_id=repo_id, repo_type="dataset",
                                   commit_message="Upload XBRL task datasets built with xbrlkit")
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise XbrlError(f"Hub upload to {repo_id} failed (HTTP {status})", folder,
                        hint="check the repo id and that your token may write to it") from None
    except Exception as error:  # unreachable Hub, offline mode, invalid repo id: each ends the push alike
        detail = (str(error).splitlines() or [""])[0][:200]
        raise XbrlError(f"Hub upload to {repo_id} failed: {type(error).__name__}: {detail}", folder,
                        hint="check the network, HF_ENDPOINT and the repo id (ORG/NAME)") from None
    return commit.commit_url
