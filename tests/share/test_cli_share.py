"""``segview export`` / ``serve`` on bad input: one clear line on stderr, the right exit code,
nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from segview.cli import main


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["01926cb6"], 2, "nothing to write: give --html FILE and/or --cast FILE"),
        (["01926cb6", "--cast", "a.cast", "--redact"], 2, "--redact applies to the HTML page"),
        (["01926cb6", "--html", "sample_logs/x.html"], 2, "is inside the store sample_logs"),
        (["01926cb6", "--cast", "a.cast", "--size", "20x5"], 2, "--size: size 20x5 is outside"),
        (
            ["01926cb6", "--cast", "a.cast", "--size", "wide"],
            2,
            "--size: size must be COLUMNSxROWS",
        ),
        (["01926cb6", "--html", "no/such/dir/x.html"], 2, "no directory no/such/dir"),
        (["01926cb6", "--html", "x.html", "--cast", "x.html"], 2, "name the same file"),
        (["0192", "--html", "x.html"], 1, "ambiguous segment prefix '0192'"),
        (["ffffffff", "--html", "x.html"], 1, "no segment matches 'ffffffff'"),
    ],
)
def test_export_usage_errors(
    demo_store: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    before = sorted(p.name for p in Path.cwd().iterdir())
    assert main(["export", "sample_logs", *args]) == code
    err = capsys.readouterr().err
    assert err.startswith("segview: ") and message in err and err.count("\n") == 1, err
    assert sorted(p.name for p in Path.cwd().iterdir()) == before


def test_export_speed_must_be_1_to_50(demo_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "sample_logs", "01926cb6", "--cast", "a.cast", "--speed", "99"]) == 2
    assert "speed must be 1-50, not 99" in capsys.readouterr().err


def test_export_of_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "nowhere", "01926cb6", "--html", "x.html"]) == 2
    assert capsys.readouterr().err == "segview: store not found: nowhere\n"


def test_export_replaces_an_existing_file_whole(
    demo_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = Path("replay.html")
    out.write_text("old")
    assert main(["export", "sample_logs", "01926cb6", "--html", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in Path.cwd().iterdir() if p.name.startswith(".replay")] == []
    assert f"segview: wrote {out} (" in capsys.readouterr().err


def test_serve_of_a_missing_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "nowhere"]) == 2
    assert capsys.readouterr().err == "segview: store not found: nowhere\n"


def test_help_lists_the_new_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "serve" in out and "export" in out
