"""The README keeps up with the code: its key table is what ``tools/readme_keys.py`` prints from
the app's key map (so a key added without the README fails here), and its command table names
every subcommand ``segview --help`` lists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from segview.app.keymap import KEYS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- keys:start -->", "<!-- keys:end -->"


def run(*args: str) -> str:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def readme_keys() -> str:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1
    return text.split(START)[1].split(END)[0]


def test_the_readme_key_table_is_the_key_maps() -> None:
    assert readme_keys() == "\n" + run("tools/readme_keys.py")


def test_the_key_table_has_every_binding_with_its_id() -> None:
    table = readme_keys()
    for spec in KEYS:
        assert f"| `{spec.display}` | `{spec.binding_id}` | {spec.help} |" in table, spec


def test_the_script_writes_the_table_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n{START}\nold table\n{END}\nafter\n", encoding="utf-8")
    run("tools/readme_keys.py", "--write", str(readme))
    written = readme.read_text(encoding="utf-8")
    assert written == f"# x\n\nbefore\n{START}\n{run('tools/readme_keys.py')}{END}\nafter\n"
    run("tools/readme_keys.py", "--write", str(readme))  # again: the same
    assert readme.read_text(encoding="utf-8") == written


def subcommands() -> list[str]:
    """The subcommands ``segview --help`` lists (under ``SUBCOMMAND``)."""
    out = run("-m", "segview", "--help")
    listing = out.split("positional arguments:")[1].split("options:")[0]
    names = re.findall(r"^    ([a-z][\w-]*)\s", listing, flags=re.MULTILINE)
    assert len(names) >= 10, out
    return names


def test_every_subcommand_is_in_the_readme_command_table() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("| command | what it does |")[1].split("\n\n")[0]
    commands = set(re.findall(r"^\| `segview ([a-z][\w-]*)", table, flags=re.MULTILINE))
    missing = [name for name in subcommands() if name not in commands]
    assert missing == []
