"""Uploads to the Hugging Face Hub: the one definition under `xbrlkit push` and `finlora-train push`.

The token comes from the usual places (`HF_TOKEN`, `huggingface-cli login`) or the caller; it is never printed nor
written anywhere. `HF_ENDPOINT` selects another Hub (a mirror, or a test server).
"""
from __future__ import annotations

from pathlib import Path

from finlora_common.errors import UserError


def upload_folder(folder: Path, repo_id: str, repo_type: str, message: str, error: type[UserError],
                  private: bool = False, token: str | None = None) -> str:
    """Create the repo if needed and upload every file of `folder` in one commit; returns the commit URL. Any failure
    is one `error` naming the repo and what to check."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    try:
        # private=None leaves an organisation's default visibility in charge.
        api.create_repo(repo_id, repo_type=repo_type, private=True if private else None, exist_ok=True)
        commit = api.upload_folder(folder_path=folder, repo_id=repo_id, repo_type=repo_type, commit_message=message)
    except HfHubHTTPError as failure:
        status = failure.response.status_code if failure.response is not None else "?"
        raise error(f"Hub upload to {repo_id} failed (HTTP {status})", folder,
                    hint="check the repo id and that your token may write to it") from None
    except Exception as failure:  # unreachable Hub, offline mode, invalid repo id: each ends the push alike
        detail = (str(failure).splitlines() or [""])[0][:200]
        raise error(f"Hub upload to {repo_id} failed: {type(failure).__name__}: {detail}", folder,
                    hint="check the network, HF_ENDPOINT and the repo id (ORG/NAME)") from None
    return commit.commit_url
