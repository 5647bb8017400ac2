"""The OpenAI-compatible backend against a stub server on loopback, with injected faults."""
from __future__ import annotations

import importlib.util
import socket

import pytest

from finlora_eval.backends import BackendOptions, create
from finlora_eval.errors import EvalError
from tests.fakes.openai import StubOpenAI, serve


def _backend(url: str, **options):
    return create("openai", BackendOptions("stub-model", base_url=url, retry_backoff_s=0.01, **options))


def _complete(backend, prompts, max_new_tokens=10):
    out = {}
    for chunk in backend.generate(prompts, max_new_tokens):
        out.update(chunk)
    return [out[i] for i in range(len(prompts))]


def test_concurrent_requests_with_retries(monkeypatch):
    monkeypatch.setenv("STUB_KEY", "sk-test")
    prompts = [f"Input: sentence {i}\nAnswer: {i}" for i in range(12)]
    stub = StubOpenAI(answer=lambda prompt: f"label {prompt[-2:].strip()}", delay_s=0.05,
                      faults={prompts[0]: [429, 500], prompts[5]: [503]})
    with serve(stub):
        backend = _backend(stub.url, concurrency=3, api_key_env="STUB_KEY")
        assert _complete(backend, prompts, 7) == [f"label {i}" for i in range(12)]
    assert backend.describe()["retries"] == 3 and len(stub.requests) == 15
    assert 1 < stub.max_in_flight <= 3
    first = stub.requests[0]
    assert first["authorization"] == "Bearer sk-test"
    assert {k: first["payload"][k] for k in ("model", "max_tokens", "temperature")} == \
        {"model": "stub-model", "max_tokens": 7, "temperature": 0}


def test_a_request_that_keeps_failing_stops_the_run():
    stub = StubOpenAI(always=500)
    with serve(stub), pytest.raises(EvalError, match=r"chat/completions: gave up after 3 attempts, last: HTTP 500"):
        _complete(_backend(stub.url, max_retries=2), ["a"])
    assert len(stub.requests) == 3


def test_an_authorisation_error_is_not_retried(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    stub = StubOpenAI(always=401)
    with serve(stub), pytest.raises(EvalError, match=r"HTTP 401.*\(check the key in \$OPENAI_API_KEY\)"):
        _complete(_backend(stub.url), ["a"])
    assert len(stub.requests) == 1 and stub.requests[0]["authorization"] is None


def test_an_unreachable_server_and_a_malformed_reply():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(EvalError, match=r"gave up after 2 attempts, last: ConnectError"):
            _complete(_backend(f"http://127.0.0.1:{port}/v1", max_retries=1), ["a"])
    stub = StubOpenAI(body='{"choices": []}')
    with serve(stub), pytest.raises(EvalError, match=r"not a chat completion: \{\"choices\": \[\]\}"):
        _complete(_backend(stub.url), ["a"])


def test_adapters_and_a_missing_url_are_refused():
    with pytest.raises(EvalError, match="takes no --adapter"):
        create("openai", BackendOptions("m", base_url="http://127.0.0.1:9/v1", adapters=("a",)))
    with pytest.raises(EvalError, match="needs --base-url"):
        create("openai", BackendOptions("m"))


def test_vllm_without_vllm_is_one_clear_error():
    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed here")
    with pytest.raises(EvalError, match=r"the vllm backend needs the package vllm \(pip install vllm"):
        create("vllm", BackendOptions("m"))
