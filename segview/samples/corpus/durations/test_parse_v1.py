import pytest

from durations import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90.0), ("1h30m", 5400.0), ("2m", 120.0), ("250ms", 0.25)],
)
def test_simple_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_compound_durations():
    assert parse_duration("1m500ms") == 60.5
    assert parse_duration("1h1m1s") == 3661.0
