"""A few fuzzed app sessions in the suite (``benchmarks/fuzz_app.py`` runs hundreds): damaged
and hostile stores, random keys, every dialog; the app never raises, never stops on its own,
never draws a control character and never writes what was not asked for."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import fuzz, fuzz_app

CASES = 3
SEED = 7100


def test_fuzzed_app_sessions_do_nothing_they_must_not(tmp_path: Path) -> None:
    outcomes = fuzz_app.run_app_cases(CASES, tmp_path, first_seed=SEED, keys=24)
    assert fuzz.describe_failures(outcomes) == ""
    # the cases reach several stores, sizes and dialogs
    assert len({o.store for o in outcomes}) >= 2
    assert len({o.size for o in outcomes}) >= 2
    assert any(k in fuzz_app.DIALOGS for o in outcomes for k in o.keys)
