"""A fake Hugging Face Hub for tests: just the endpoints `xbrlkit push` needs, on 127.0.0.1.

`HfApi.create_repo(repo_type="dataset")` + `HfApi.upload_folder(...)` of huggingface_hub 2.4 call:

    POST /api/repos/create                              {"name", "organization", "type", "visibility"}
    POST /api/validate-yaml                             README.md front matter (only without hf_xet)
    POST /api/datasets/{org}/{name}/preupload/{rev}     which files go as git blobs, LFS or Xet
    POST /api/datasets/{org}/{name}/commit/{rev}        NDJSON: a header line, then one line per file

The preupload answer puts every file in uploadMode "regular", whatever its size or type: the client
trusts it, so the contents come base64-encoded inside the commit and no LFS/Xet upload happens.

Committed files of model repos can be downloaded back, as `hf_hub_download` (and so
`PeftModel.from_pretrained`) asks for them:

    HEAD|GET /{org}/{name}/resolve/{rev}/{path}         the file, with X-Repo-Commit, ETag, Content-Length;
                                                        404 with X-Error-Code EntryNotFound when absent
Anything else (e.g. the repo info GET that `create_repo(exist_ok=True)` sends after a 403) gets a
404 and is kept in `FakeHub.requests` like every other request, for tests to inspect.

Point a client at it with `HF_ENDPOINT=hub.url`, set before huggingface_hub is imported, i.e. in a
subprocess. `hub.fail["create" | "preupload" | "commit"] = 403` makes that endpoint refuse.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/[^/]+/(?P<path>.+)$")
_REPO_CALL = re.compile(r"^/api/(?P<kind>datasets|models|spaces)/(?P<repo>[^/]+/[^/]+)/(?P<call>preupload|commit)/[^/]+$")


@dataclass
class Request:
    method: str
    path: str
    authorization: str | None


@dataclass
class FakeHub:
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    repos: dict[str, dict] = field(default_factory=dict)
    """repo id -> {"type": ..., "private": ...} as asked by /api/repos/create."""
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    """repo id -> {path in repo: committed bytes}."""
    commits: list[dict] = field(default_factory=list)
    """The header line of each commit (summary, description)."""
    fail: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoints(self) -> list[str]:
        """`METHOD /path` of every request received, in order."""
        return [f"{r.method} {r.path}" for r in self.requests]

    def download(self, path: str) -> tuple[int, bytes, dict[str, str]] | None:
        """A committed file of a model repo with the headers hf_hub_download reads; None if `path` asks for none."""
        match = _RESOLVE.match(path.split("?", 1)[0])
        if not match:
            return None
        content = self.files.get(match["repo"], {}).get(match["path"])
        if content is None:
            return 404, b'{"error": "Entry not found"}', {"X-Error-Code": "EntryNotFound"}
        commit = hashlib.sha1(match["repo"].encode()).hexdigest()
        return 200, content, {"X-Repo-Commit": commit, "ETag": f'"{hashlib.sha1(content).hexdigest()}"'}

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict]:
        path = path.split("?", 1)[0]
        if path == "/api/repos/create" and method == "POST":
            return self._create(json.loads(body))
        if path == "/api/validate-yaml" and method == "POST":
            return 200, {"errors": [], "warnings": []}
        match = _REPO_CALL.match(path)
        if match and method == "POST":
            if match["call"] in self.fail:
                return self.fail[match["call"]], {"error": f"{match['call']} refused by the fake hub"}
            if match["call"] == "preupload":
                files = json.loads(body)["files"]
                return 200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                       for f in files]}
            return self._commit(match["kind"], match["repo"], body)
        return 404, {"error": f"fake hub: no such endpoint {method} {path}"}

    def _create(self, payload: dict) -> tuple[int, dict]:
        if "create" in self.fail:
            return self.fail["create"], {"error": "repo creation refused by the fake hub"}
        repo_id = f"{payload['organization']}/{payload['name']}" if payload.get("organization") else payload["name"]
        private = payload.get("visibility", "private" if payload.get("private") else "public") == "private"
        with self._lock:
            if repo_id in self.repos:
                return 409, {"error": "You already created this dataset repo", "url": self._repo_url(payload, repo_id)}
            self.repos[repo_id] = {"type": payload.get("type", "model"), "private": private}
        return 200, {"url": self._repo_url(payload, repo_id)}

    def _repo_url(self, payload: dict, repo_id: str) -> str:
        kind = payload.get("type", "model")
        return f"{self.url}/{repo_id}" if kind == "model" else f"{self.url}/{kind}s/{repo_id}"

    def _commit(self, kind: str, repo_id: str, body: bytes) -> tuple[int, dict]:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        with self._lock:
            stored = self.files.setdefault(repo_id, {})
            for line in lines:
                key, value = line["key"], line["value"]
                if key == "header":
                    self.commits.append(value)
                elif key == "file":
                    stored[value["path"]] = base64.b64decode(value["content"])
                else:  # lfsFile, deletedFile, ...: the fake hub asked for none of these
                    return 400, {"error": f"fake hub: unsupported commit operation {key!r}"}
        oid = hashlib.sha1(body).hexdigest()
        return 200, {"success": True, "commitOid": oid, "commitUrl": f"{self.url}/{kind}/{repo_id}/commit/{oid}"}


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            hub.requests.append(Request(self.command, self.path, self.headers.get("Authorization")))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {"Content-Type": "application/json"}
            download = hub.download(self.path) if self.command in ("GET", "HEAD") else None
            if download is not None:
                status, data, extra = download
                headers = {"Content-Type": "application/octet-stream"} | extra
            else:
                try:
                    status, answer = hub.handle(self.command, self.path, body)
                except Exception as error:  # a malformed request: say so rather than drop the connection
                    status, answer = 400, {"error": f"fake hub: {error!r}"}
                data = json.dumps(answer).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _serve

        def log_message(self, format: str, *args) -> None:  # keep test output quiet
            pass

    return Handler


@contextlib.contextmanager
def fake_hub() -> Iterator[FakeHub]:
    """Serve a fresh FakeHub on 127.0.0.1 (free port) in a background thread for the `with` block."""
    hub = FakeHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-hub", daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
