"""The OpenAI-compatible backend: chat completions from any endpoint that speaks the API.

Each prompt is one user message, sent with temperature 0 (or, when sampling, the
temperature, top_p and the run's seed) and the dataset's max_new_tokens as max_tokens, at most `concurrency` requests at a time. A
request that fails with 408, 409, 429, a 5xx status or a connection error is
retried up to `max_retries` times, waiting the server's Retry-After when it
gives one, else `retry_backoff_s` doubled on every attempt. Any other error
status, or a request that keeps failing, stops the run with one error line.
The API key is read from the environment variable `api_key_env`; without it,
requests go unauthenticated (local servers often need none).
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from finlora_eval.backends import BackendOptions, require
from finlora_eval.errors import EvalError

RETRYABLE = {408, 409, 429}


class OpenAIBackend:
    def __init__(self, options: BackendOptions):
        httpx = require("httpx", "the openai backend", "httpx")
        if options.adapters:
            raise EvalError("the openai backend evaluates the model the endpoint serves; it takes no --adapter",
                            hint="serve the adapter as its own model name and pass that as --model")
        if not options.base_url:
            raise EvalError("the openai backend needs --base-url, e.g. https://api.openai.com/v1")
        self.options = options
        self.url = options.base_url.rstrip("/") + "/chat/completions"
        key = os.environ.get(options.api_key_env)
        self._httpx = httpx
        self.client = httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0),
                                   headers={"Authorization": f"Bearer {key}"} if key else {},
                                   limits=httpx.Limits(max_connections=options.concurrency))
        self.retries = 0
        self.seed = 0
        self._lock = threading.Lock()

    def _delay(self, response, attempt: int) -> float:
        retry_after = response.headers.get("retry-after") if response is not None else None
        try:
            return max(0.0, float(retry_after))
        except (TypeError, ValueError):
            return self.options.retry_backoff_s * 2 ** attempt

    def _complete(self, prompt: str, max_new_tokens: int) -> str:
        payload = {"model": self.options.model, "messages": [{"role": "user", "content": prompt}],
                   "max_tokens": max_new_tokens, "temperature": self.options.temperature}
        if self.options.sampling:
            payload |= {"top_p": self.options.top_p, "seed": self.seed}
        failure = ""
        for attempt in range(self.options.max_retries + 1):
            response = None
            try:
                response = self.client.post(self.url, json=payload)
            except self._httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    return self._content(response)
                failure = f"HTTP {response.status_code}: {response.text[:200]}"
                if response.status_code not in RETRYABLE and response.status_code < 500:
                    refused = response.status_code in (401, 403)
                    hint = f"check the key in ${self.options.api_key_env}" if refused else None
                    raise EvalError(failure.replace("\n", " "), self.url, hint=hint)
            if attempt < self.options.max_retries:
                with self._lock:
                    self.retries += 1
                time.sleep(self._delay(response, attempt))
        raise EvalError(f"gave up after {self.options.max_retries + 1} attempts, last: {failure}".replace("\n", " "),
                        self.url)

    def _content(self, response) -> str:
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise EvalError(f"not a chat completion: {response.text[:200]}".replace("\n", " "), self.url) from None
        return content or ""

    def over_window(self, prompts: Sequence[str], max_new_tokens: int) -> list[int]:
        return []  # the server's window is not known here; it refuses what does not fit, and that is an error

    def generate(self, prompts: Sequence[str], max_new_tokens: int) -> Iterator[list[tuple[int, str]]]:
        pool = ThreadPoolExecutor(max_workers=self.options.concurrency)
        try:
            pending = {pool.submit(self._complete, prompt, max_new_tokens): i for i, prompt in enumerate(prompts)}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                yield [(pending.pop(future), future.result()) for future in finished]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def use_seed(self, seed: int) -> None:
        self.seed = seed

    def use_adapter(self, adapter: str | None) -> None:
        """Adapters are refused when the backend is built; there is nothing to switch."""

    def describe(self) -> dict:
        return {"backend": "openai", "model": self.options.model, "base_url": self.options.base_url,
                "concurrency": self.options.concurrency, "max_retries": self.options.max_retries,
                "retries": self.retries}

    def reset_counters(self) -> None:
        """The model's memory and prompt cache are the server's, not measurable here."""

    def token_counts(self) -> None:
        return None

    def peak_memory(self) -> None:
        return None
