"""*truncated*: a session on ripple (a Rust rate limiter) that crashed in the middle of an append.

Two complete turns and the start of a third; the file ends in the middle of its last line.
"""

from __future__ import annotations

from segview.store import FsStore, RequestConfig

from .ids import TRUNCATED_SEGMENT
from .session import Session, args
from .texts import Corpus

CORPUS = Corpus("truncated")

CONFIG = RequestConfig(max_tokens=8192, stop_sequences=[], reasoning="low")


def write_truncated(store: FsStore) -> None:
    s = Session.start(
        store, TRUNCATED_SEGMENT, system_prompt=CORPUS.text("prompt.md"), config=CONFIG
    )
    s.ask("Does `TokenBucket::try_acquire` ever block?", after=(0.004, 0.02))
    found = "src/bucket.rs:57:    pub fn try_acquire(&self, n: u32) -> Result<(), RetryAfter> {"
    s.call("grep", args(pattern="fn try_acquire", path="src")).returns("1 match", found)
    read = args(path="src/bucket.rs")
    s.call("read_file", read).returns("src/bucket.rs (lines 50-72)", CORPUS.text("read_bucket.txt"))
    s.answer(
        "It never waits for tokens: it refills, takes them if there are enough, and otherwise "
        "returns `Err(RetryAfter(..))` at once. It does take a `parking_lot::Mutex`, so it can "
        "block briefly while another thread holds the lock — the critical section is a few "
        "arithmetic operations."
    )

    s.ask("Build it in release mode and tell me how long it takes.", after=(50, 90))
    s.run("cargo build --release", CORPUS.text("cargo_build.txt"), took=(48.0, 49.0))
    s.answer("A clean release build takes **48 s**, most of it compiling `tokio` and `syn`.")

    s.ask("Run the benchmarks and summarise them.", after=(40, 70))
    s.think("Run cargo bench; it takes a while.", ["Run the benchmarks"])
    bench = CORPUS.text("cargo_bench.txt")
    s.run("cargo bench --bench acquire", bench, took=(95.0, 110.0))
    _crash_mid_append(store, s.id)


def _crash_mid_append(store: FsStore, segment_id: str) -> None:
    """Cut the last line three fifths of the way in (on a UTF-8 character boundary)."""
    path = store.path_for(segment_id)
    data = path.read_bytes()
    start = data.rstrip(b"\n").rfind(b"\n") + 1
    cut = start + (len(data) - start) * 3 // 5
    while cut > start and (data[cut] & 0xC0) == 0x80:  # keep whole UTF-8 characters
        cut -= 1
    with open(path, "r+b") as f:
        f.truncate(cut)
