"""``ls`` / ``tree`` additions: labels, tokens (own, inherited, branch, subtree) and cost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from segview.cli import main
from segview.cost import Price, Tokens
from tests.test_cost import SAMPLE_LOGS, expected_figures


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    dest = tmp_path / "sample_logs"
    shutil.copytree(SAMPLE_LOGS, dest)
    return dest


def test_ls_and_tree_json_carry_tokens_and_no_cost_without_prices(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SEGVIEW_CONFIG", str(tmp_path / "none.toml"))
    expected = expected_figures(demo)
    assert main(["ls", str(demo), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for row in rows:
        assert row["cost"] is None and row["label"] is None
        for scope in ("own", "inherited", "branch", "subtree"):
            assert row["tokens"][scope] == expected[row["id"]][scope]
    assert main(["tree", str(demo), "--json"]) == 0
    stack = json.loads(capsys.readouterr().out)
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        assert node["tokens"]["subtree"] == expected[node["id"]]["subtree"]
        assert node["tokens"]["inherited_complete"] is True
        stack.extend(node["children"])
    assert seen == len(expected)


def test_tree_json_prices_every_figure_with_the_store_model(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[prices.default]\ninput = 3\noutput = 15\ncache_read = 0.3\n")
    monkeypatch.setenv("SEGVIEW_CONFIG", str(config))
    assert main(["tree", str(demo), "--json"]) == 0
    roots = json.loads(capsys.readouterr().out)
    price = Price(3, 0.3, 3, 15)
    for node in roots:
        cost = node["cost"]
        assert cost["model"] == "default" and cost["currency"] == "$"
        t = node["tokens"]["subtree"]
        tokens = Tokens(
            t["requests"],
            t["input_total_tokens"],
            t["cache_read_tokens"],
            t["cache_write_tokens"],
            t["output_tokens"],
        )
        assert cost["subtree"] == pytest.approx(price.cost(tokens))


def test_a_bad_config_warns_once_and_the_command_still_works(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[prices\n")
    monkeypatch.setenv("SEGVIEW_CONFIG", str(config))
    assert main(["ls", str(demo), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) and err.count("\n") == 1
    assert err.startswith(f"segview: warning: {config}:") and "no prices" in err
