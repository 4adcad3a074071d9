import pytest

from durations import parse_duration, parse_iso8601


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT0S", 0.0), ("P1D", 86400.0), ("PT0.5S", 0.5), ("P1DT12H", 129600.0), ("pt1h30m", 5400.0)],
)
def test_iso8601(text, seconds):
    assert parse_iso8601(text) == seconds


@pytest.mark.parametrize("text", ["P", "PT", "P1Y", "P2M", "PT1H30"])
def test_iso8601_rejects(text):
    with pytest.raises(ValueError):
        parse_iso8601(text)


def test_parse_duration_delegates():
    assert parse_duration("PT1H30M") == parse_duration("1h30m")
