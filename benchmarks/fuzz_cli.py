"""Run the command-line fuzzer (``tests/reliability/fuzz.py``) for many cases and print counts.

    python benchmarks/fuzz_cli.py                     # 10,000 cases
    python benchmarks/fuzz_cli.py --cases 500 --seed 7 --timeout 60

Each case copies a golden or hostile store, damages a few lines of a few segments, runs one
command in-process and checks it: no traceback, exit status 0, 1 or 2, no control character
on stdout or stderr, no file of the store changed (a fork may only add its segment), done
within the time limit. Printed: the cases by command, mutation and exit status, the failures
of each kind (with the seeds that reproduce them: ``python -m tests.reliability.fuzz SEED``),
and the slowest cases.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/; segview as installed

from tests.reliability import fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0, help="seed of the first case")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a hang")
    args = parser.parse_args()
    started = time.perf_counter()
    outcomes: list[fuzz.Outcome] = []
    with tempfile.TemporaryDirectory(prefix="segview-fuzz-") as tmp:
        bases = fuzz.base_stores(Path(tmp) / "bases")
        for n in range(args.cases):
            work = Path(tmp) / f"case-{n}"
            work.mkdir()
            try:
                outcomes.append(fuzz.run_case(bases, work, args.seed + n, timeout=args.timeout))
            finally:
                shutil.rmtree(work, ignore_errors=True)
            if (n + 1) % 1000 == 0:
                print(f"  {n + 1:,} cases …", file=sys.stderr)
    elapsed = time.perf_counter() - started

    def kind(failure: str) -> str:
        for prefix in ("traceback", "exit status", "control character", "changed", "new files"):
            if failure.startswith(prefix):
                return prefix
        if failure.startswith("still running"):
            return "hang"
        return failure.split(":")[0]

    failed = [o for o in outcomes if o.failures]
    kinds = Counter(kind(f) for o in failed for f in o.failures)
    print(
        f"{len(outcomes):,} cases in {elapsed:.0f} s (seeds {args.seed}..{args.seed + len(outcomes) - 1})"
    )
    print(
        "commands:  "
        + ", ".join(f"{k} {v:,}" for k, v in Counter(o.argv[0] for o in outcomes).most_common())
    )
    json_cases = sum("--json" in o.argv for o in outcomes)
    turn_cases = sum("--turn" in o.argv for o in outcomes)
    print(f"options:   --json {json_cases:,}, --turn {turn_cases:,}")
    mutations = Counter(m for o in outcomes for m in o.mutations)
    print("mutations: " + ", ".join(f"{k} {v:,}" for k, v in mutations.most_common()))
    statuses = Counter(o.exit_code for o in outcomes)
    print("exit status: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(statuses.items(), key=str)))
    print(
        f"failures: {len(failed):,} cases; tracebacks {kinds['traceback']:,}, other exit status "
        f"{kinds['exit status']:,}, control characters on stdout/stderr "
        f"{kinds['control character']:,}, changed files {kinds['changed'] + kinds['new files']:,}, "
        f"hangs {kinds['hang']:,}"
    )
    for outcome in failed[:20]:
        print("  " + outcome.describe()[:300])
    slowest = sorted(outcomes, key=lambda o: -o.seconds)[:3]
    print("slowest: " + ", ".join(f"seed {o.seed} {o.argv[0]} {o.seconds:.2f} s" for o in slowest))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
