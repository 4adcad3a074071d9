"""Run the app fuzzer (``tests/reliability/fuzz_app.py``) for many cases and print counts.

    python benchmarks/fuzz_app.py --cases 500

Each case: a damaged or hostile store, a random terminal size, a random burst of keys through
the real app (headless, Pilot), then q. Prints how many cases failed and how (raised, stopped,
control characters on screen, files written that were not asked for, time-outs).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability import fuzz, fuzz_app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keys", type=int, default=40, help="keys pressed per case")
    ns = parser.parse_args()
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 25 == 0:
            print(f"  {done:,} cases …", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="segview-fuzz-app-") as tmp:
        outcomes = fuzz_app.run_app_cases(
            ns.cases, Path(tmp), first_seed=ns.seed, keys=ns.keys, progress=progress
        )
    seconds = time.perf_counter() - started
    bad = [o for o in outcomes if o.failures]
    kinds = Counter(f.split(":")[0].split(" after")[0] for o in bad for f in o.failures)
    print(
        f"{len(outcomes):,} app sessions in {seconds:.0f} s (seeds {ns.seed}..{ns.seed + ns.cases - 1})"
    )
    print(
        "stores:   "
        + ", ".join(f"{k} {v}" for k, v in Counter(o.store for o in outcomes).most_common())
    )
    print(
        "sizes:    "
        + ", ".join(f"{w}x{h} {v}" for (w, h), v in Counter(o.size for o in outcomes).most_common())
    )
    keys = Counter(k for o in outcomes for k in o.keys)
    print(f"keys:     {sum(keys.values()):,} pressed, {len(keys)} different")
    print(
        f"failures: {len(bad)} cases"
        + (": " + ", ".join(f"{k} {v}" for k, v in kinds.items()) if bad else "")
    )
    if bad:
        print(fuzz.describe_failures(outcomes))
    slow = sorted(outcomes, key=lambda o: -o.seconds)[:3]
    print("slowest:  " + ", ".join(f"seed {o.seed} {o.seconds:.1f} s" for o in slow))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
