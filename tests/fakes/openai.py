"""A stub OpenAI-compatible server for tests: `POST /v1/chat/completions` on 127.0.0.1.

It answers each request from `answer(prompt)` (default: echo the last line of the
prompt), after `delay_s`, and records every request. Faults are injected per
prompt: `faults[prompt] = [429, 500]` makes the first two requests for that prompt
fail with those statuses (429 carries `Retry-After: 0`); `always` makes every
request fail with one status. `max_in_flight` is the most requests it served at once.
"""
from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator


@dataclass
class StubOpenAI:
    url: str = ""
    answer: Callable[[str], str] = lambda prompt: prompt.splitlines()[-1]
    faults: dict[str, list[int]] = field(default_factory=dict)
    always: int | None = None
    body: str | None = None
    """Send this text instead of a completion (a malformed reply)."""
    delay_s: float = 0.02
    requests: list[dict] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, payload: dict, authorization: str | None) -> tuple[int, dict, str]:
        prompt = payload["messages"][-1]["content"]
        with self._lock:
            self.requests.append({"payload": payload, "authorization": authorization})
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            status = self.always or (self.faults[prompt].pop(0) if self.faults.get(prompt) else 200)
        time.sleep(self.delay_s)
        with self._lock:
            self._in_flight -= 1
        if status != 200:
            return status, {"Retry-After": "0"} if status == 429 else {}, json.dumps({"error": {"code": status}})
        if self.body is not None:
            return 200, {}, self.body
        return 200, {}, json.dumps({"object": "chat.completion", "model": payload["model"], "choices": [
            {"index": 0, "message": {"role": "assistant", "content": self.answer(prompt)}, "finish_reason": "stop"}]})


@contextlib.contextmanager
def serve(stub: StubOpenAI) -> Iterator[StubOpenAI]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            if self.path != "/v1/chat/completions":
                self.send_error(404)
                return
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status, headers, body = stub.handle(payload, self.headers.get("Authorization"))
            data = body.encode("utf-8")
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)),
                                **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
