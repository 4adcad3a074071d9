"""Masking what looks like a secret: each kind, the counts, and what is left alone."""

from __future__ import annotations

import pytest

from segview.share.redact import Redactor

# made-up values of the right shape (none of them is a real credential)
OPENAI = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0" * 2
ANTHROPIC = "sk-ant-api03-" + "x" * 40
AWS = "AKIA" + "ABCDEFGHIJKLMNOP"
GITHUB = "ghp_" + "a1B2" * 9
SLACK = "xoxb-" + "1234567890-abcdefghij"
GOOGLE = "AIza" + "S" * 35
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dBjftJeZ4CVPmB92K27uhbUJU1p1r"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("text", "kind", "left"),
    [
        (f"key {OPENAI} here", "api_key", "key [redacted API key] here"),
        (f"key={ANTHROPIC}", "api_key", "key=[redacted API key]"),
        (f"aws {AWS}.", "api_key", "aws [redacted API key]."),
        (f"{GITHUB}", "api_key", "[redacted API key]"),
        (f"slack {SLACK}", "api_key", "slack [redacted API key]"),
        (f"g {GOOGLE}", "api_key", "g [redacted API key]"),
        (f"auth {JWT} ok", "token", "auth [redacted token] ok"),
        (
            "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345",
            "token",
            "Authorization: Bearer [redacted token]",
        ),
        (f"key:\n{PEM}\nend", "private_key", "key:\n[redacted private key]\nend"),
        ('password = "hunter2hunter2"', "secret", 'password = "[redacted secret value]"'),
        ('{"api_key": "abc123def456"}', "secret", '{"api_key": "[redacted secret value]"}'),
        ("DB_PASSWORD=s3cr3t-pass", "secret", "DB_PASSWORD=[redacted secret value]"),
        (
            "postgres://app:s3cr3t@db:5432/x",
            "secret",
            "postgres://app:[redacted secret value]@db:5432/x",
        ),
        ("mail ada@example.com now", "email", "mail [redacted e-mail address] now"),
        ("open /home/ada/src/app.py", "home_path", "open ~/src/app.py"),
        ("/Users/ada.lovelace/notes.txt", "home_path", "~/notes.txt"),
        ("C:\\Users\\ada\\proj", "home_path", "~\\proj"),
        ("cd /root/build", "home_path", "cd ~/build"),
    ],
)
def test_each_kind_is_masked_and_counted(text: str, kind: str, left: str) -> None:
    r = Redactor()
    assert r.text(text) == left
    assert dict(r.counts) == {kind: 1}


@pytest.mark.parametrize(
    "text",
    [
        "the task-list-for-the-desk-reservation-system is done",
        "commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f",
        "https://example.com/home/page and /usr/home/x",
        "a token of appreciation; my password was short",
        "see /rootfs/etc and ~/notes",
        "user@localhost",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    r = Redactor()
    assert r.text(text) == text
    assert r.total == 0


def test_a_key_inside_an_assignment_is_counted_once() -> None:
    r = Redactor()
    assert r.text(f"OPENAI_API_KEY={OPENAI}") == "OPENAI_API_KEY=[redacted API key]"
    assert dict(r.counts) == {"api_key": 1}


def test_nested_data_is_masked_everywhere_and_the_report_counts_per_kind() -> None:
    r = Redactor()
    data = {
        "store": "/home/ada/.insomnia/sessions",
        "items": [{"text": f"mail bob@example.org and {AWS}"}, {"n": 3, "ok": True}],
        "none": None,
    }
    out = r.tree(data)
    assert out == {
        "store": "~/.insomnia/sessions",
        "items": [
            {"text": "mail [redacted e-mail address] and [redacted API key]"},
            {"n": 3, "ok": True},
        ],
        "none": None,
    }
    assert r.report() == "redacted 1 API key, 1 e-mail address, 1 home path (3 places)"
    assert Redactor().report() == "redacted nothing: no string looked like a secret"
    r.text("x@example.com y@example.com x@example.com")
    assert r.report() == "redacted 1 API key, 3 e-mail addresses, 1 home path (6 places)"
