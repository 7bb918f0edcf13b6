"""The HTTP client's side of `wisca serve` authentication (contract 2), and the hook over real HTTP."""

import os
import sys

import pytest

from conftest import assert_same_outputs, logits, tiny_llama, token_batch
from wisca.errors import WiscaError
from wisca.torch import WiscaHook
from wisca.transport import HttpServer, HttpTransport, default_token_file

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def contract_server(tmp_path, monkeypatch):
    for name in ("WISCA_TOKEN", "WISCA_TOKEN_FILE", "WISCA_SERVER"):
        monkeypatch.delenv(name, raising=False)
    server = HttpServer(command=[sys.executable, os.path.join(HERE, "contract_server.py"), str(tmp_path / "serve.token")])
    yield server
    server.close()


def test_the_token_file_of_the_startup_line_is_read(contract_server, tmp_path):
    assert contract_server.token_file == str(tmp_path / "serve.token")
    assert len(contract_server.token) == 64
    assert contract_server.transport().call("health", {}) == {"op": "health"}


def test_without_a_token_the_server_refuses_and_the_error_says_how_to_fix_it(contract_server):
    with pytest.raises(WiscaError) as caught:
        HttpTransport(contract_server.url).call("describe", {})
    assert caught.value.kind == "Unauthorized"
    assert "WISCA_TOKEN" in str(caught.value)


def test_the_token_comes_from_wisca_token_or_wisca_token_file(contract_server, monkeypatch):
    monkeypatch.setenv("WISCA_TOKEN_FILE", contract_server.token_file)
    assert HttpTransport(contract_server.url).call("solve", {}) == {"op": "solve"}
    monkeypatch.setenv("WISCA_TOKEN", "0" * 64)  # WISCA_TOKEN comes first: a wrong one is refused
    with pytest.raises(WiscaError) as caught:
        HttpTransport(contract_server.url).call("solve", {})
    assert caught.value.kind == "Unauthorized"
    monkeypatch.setenv("WISCA_TOKEN", contract_server.token)
    assert HttpTransport(contract_server.url).call("solve", {}) == {"op": "solve"}


def test_the_default_token_file_follows_the_contract(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert default_token_file(8765) == str(tmp_path / "wisca" / "serve-8765.token")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert default_token_file(8765) == os.path.join(os.path.expanduser("~"), ".cache", "wisca", "serve-8765.token")


def test_the_hook_rescales_over_http_with_a_server_started_on_demand():
    model, ids = tiny_llama(41), token_batch(41)
    before = logits(model, ids)
    with WiscaHook(model, server="http") as hook:
        report = hook.apply(0)
    assert len(report["tensors"]) == 8
    assert_same_outputs(before, logits(model, ids))
