"""The store scanner: every layout, the runtime's listing order, what is ignored quietly and
what is reported; the id resolver; the fingerprint readers keep of what they read."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from segview.store import FsStore
from segview.store.layout import (
    AmbiguousSegment,
    FileStat,
    NoSuchSegment,
    NotAStore,
    StoreScan,
    Unlisted,
    locate,
    prefix_fingerprint,
    resolve_id,
    scan_store,
)
from tests.conftest import GOLDEN_EXPECTED, GOLDEN_STORES
from tests.layouts import (
    WORKER_ID,
    Built,
    build_data_dir,
    head_sessions,
    session_ids_of,
    sid,
    subset,
    write_segment,
)


def assert_lists(scan: StoreScan, built: Built) -> None:
    """The scan lists exactly ``built``'s segments, in its order, each where it is."""
    assert scan.ids() == built.order
    for found in scan.segments:
        assert found.session_id == built.sessions[found.id]
        assert found.path == built.files[found.id]
        assert found.store.path_for(found.id) == found.path
        assert found.stat.size == found.path.stat().st_size
        assert found.store.read_entry_count(found.id) == built.entry_counts[found.id]


def test_the_reference_data_pins_the_listing_order() -> None:
    """The current runtime's own listing: sessions newest first, segments newest first."""
    for case in ("head_basic", "head_compat"):
        sessions = head_sessions(case)
        assert [s.session_id for s in sessions] == sorted(
            (s.session_id for s in sessions), reverse=True
        )
        for session in sessions:
            assert session.order == sorted(session.order, reverse=True)
            scan = scan_store(session.directory)
            assert scan.ids() == session.order and scan.unlisted == []


def test_a_runtime_data_directory_lists_sessions_and_workers_at_once(tmp_path: Path) -> None:
    built = build_data_dir(tmp_path)
    scan = scan_store(built.path)
    assert scan.kind == "runtime data directory"
    assert_lists(scan, built)
    assert scan.unlisted == []  # metadata, worker.json, runs/, pods/, temporary files: quiet
    layouts = {s.id: s.layout for s in scan.segments}
    (compat,) = head_sessions("head_compat")
    assert {layouts[i] for i in compat.order} == {"worker"}
    assert {layouts[i] for i in built.order if i not in compat.order} == {"session"}
    assert {s.version for s in scan.segments} == {"current"}
    assert {s.store.version_hint for s in scan.segments} == {"current"}
    assert scan.sessions == sorted(set(built.sessions.values()), reverse=True)  # type: ignore[type-var]


def test_each_part_of_a_data_directory_is_a_store_of_its_own(tmp_path: Path) -> None:
    built = build_data_dir(tmp_path)
    data = built.path
    basic = head_sessions("head_basic")
    (compat,) = head_sessions("head_compat")
    in_sessions = [i for s in basic for i in s.order]
    worker = data / "runtime" / "workers" / WORKER_ID
    cases = {
        "store directory": (data / "sessions", in_sessions),
        "session directory": (data / "sessions" / basic[1].session_id, basic[1].order),
        "worker aggregate": (worker, compat.order),
        "worker session directory": (worker / "session", compat.order),
        "worker segments directory": (worker / "session" / "segments", compat.order),
    }
    for kind, (path, ids) in cases.items():
        scan = scan_store(path)
        assert scan.kind == kind, path
        assert_lists(scan, subset(built, path, ids))
        assert scan.unlisted == [] and scan.selected is None
    # the runtime directory and its workers/ directory find the worker aggregates
    for path in (data / "runtime", data / "runtime" / "workers"):
        assert_lists(scan_store(path), subset(built, path, compat.order))


def test_a_segment_file_selects_it_in_its_directory(tmp_path: Path) -> None:
    built = build_data_dir(tmp_path)
    for segment_id in built.order:
        path = built.files[segment_id]
        scan = scan_store(path)
        assert scan.selected == segment_id and scan.root == path.parent
        assert scan.kind.startswith("segment file in a ")
        siblings = session_ids_of(built, built.sessions[segment_id] or "")
        assert scan.ids() == siblings  # the whole directory is the store
        assert scan.resolve(segment_id).session_id == built.sessions[segment_id]
        assert locate(path) == (path.parent, segment_id)


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN_STORES.iterdir()))
def test_a_flat_reference_store(case: str) -> None:
    import json

    listing = json.loads((GOLDEN_EXPECTED / case / "list.json").read_text())
    root = GOLDEN_STORES / case
    scan = scan_store(root)
    assert scan.kind == "store directory"
    assert scan.ids() == listing["order"] and scan.unlisted == []
    for found in scan.segments:
        assert (found.session_id, found.layout, found.version) == (None, "flat", "reference")
        assert found.store.root == root and found.store.version_hint == "reference"
        assert found.store.read_entry_count(found.id) == listing["entry_counts"][found.id]
    assert FsStore(root).list_segments() == listing["order"]


def test_flat_and_session_structured_at_once(tmp_path: Path) -> None:
    s1, s2 = sid(901), sid(902)
    write_segment(tmp_path, sid(1), None, ts=100, turns=1, text="flat one")
    write_segment(tmp_path, sid(5), None, ts=500, turns=1, text="flat five")
    write_segment(tmp_path / s1, sid(2), s1, ts=200, turns=1, text="s1")
    write_segment(tmp_path / s2, sid(3), s2, ts=300, turns=1, text="s2")
    write_segment(tmp_path / s2, sid(4), s2, ts=400, turns=1, text="s2 again")
    (tmp_path / "notes").mkdir()  # not a session directory: quiet
    (tmp_path / "notes" / f"{sid(9)}.jsonl").write_text("{}\n")
    scan = scan_store(tmp_path)
    # sessions newest first, each newest first; then the flat segments newest first
    assert scan.ids() == [sid(4), sid(3), sid(2), sid(5), sid(1)]
    assert [s.session_id for s in scan.segments] == [s2, s2, s1, None, None]
    assert [s.version for s in scan.segments] == ["current"] * 3 + ["reference"] * 2
    assert scan.unlisted == []
    assert FsStore(tmp_path).list_segments() == [sid(5), sid(1)]  # one directory only


def test_what_is_not_a_log_stays_quiet(tmp_path: Path) -> None:
    write_segment(tmp_path, sid(1), None, ts=1, turns=1, text="one")
    for name in (
        f"{sid(1)}.trace.jsonl",
        f".{sid(1)}.jsonl.tmp-77-{sid(8)}",  # the runtime's temporary file
        "metadata.json",
        "session.json",
        "worker.json",
        f"{sid(1)}.JSONL",
        f"{sid(1)}.jsonl.bak",
        "README.md",
    ):
        (tmp_path / name).write_text("x\n")
    for directory in ("runs", "pods/p/metadata.json", "workers/bob"):
        (tmp_path / directory).mkdir(parents=True)
    scan = scan_store(tmp_path)
    assert scan.ids() == [sid(1)] and scan.unlisted == []


def unlisted_by_name(scan: StoreScan) -> dict[str, Unlisted]:
    return {i.path.name: i for i in scan.unlisted}


def test_what_cannot_be_read_is_reported_and_never_opened(tmp_path: Path) -> None:
    good = write_segment(tmp_path, sid(1), None, ts=1, turns=2, text="good")
    data = good.read_bytes()
    (tmp_path / f"{sid(2).upper()}.jsonl").write_bytes(data)
    (tmp_path / f"{sid(3).replace('-', '')}.jsonl").write_bytes(data)
    (tmp_path / "notes.jsonl").write_bytes(data)
    (tmp_path / f"{sid(4)}.jsonl").mkdir()
    os.mkfifo(tmp_path / f"{sid(5)}.jsonl")
    os.symlink(tmp_path / f"{sid(5)}.jsonl", tmp_path / f"{sid(6)}.jsonl")  # to the FIFO
    os.symlink("/dev/null", tmp_path / f"{sid(7)}.jsonl")  # to a device
    os.symlink(tmp_path / f"{sid(9)}.jsonl", tmp_path / f"{sid(8)}.jsonl")  # a loop
    os.symlink(tmp_path / f"{sid(8)}.jsonl", tmp_path / f"{sid(9)}.jsonl")
    os.symlink(tmp_path / "gone.jsonl", tmp_path / f"{sid(10)}.jsonl")  # to nothing
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    linked = write_segment(outside, sid(11), None, ts=11, turns=1, text="linked")
    os.symlink(linked, tmp_path / f"{sid(11)}.jsonl")  # to a regular file: listed
    os.symlink(tmp_path, tmp_path / sid(12))  # a session directory linking back: bounded
    os.symlink(tmp_path / sid(14), tmp_path / sid(13))  # a directory link loop
    os.symlink(tmp_path / sid(13), tmp_path / sid(14))
    (tmp_path / sid(15).upper()).mkdir()  # a session directory the runtime cannot read

    scan = scan_store(tmp_path)
    assert scan.ids() == [sid(11), sid(1)]
    unlisted = unlisted_by_name(scan)
    expected = {
        f"{sid(2).upper()}.jsonl": "lower-case",
        f"{sid(3).replace('-', '')}.jsonl": "lower-case",
        "notes.jsonl": "not a segment id",
        f"{sid(4)}.jsonl": "a directory",
        f"{sid(5)}.jsonl": "a FIFO, not a regular file",
        f"{sid(6)}.jsonl": "a FIFO, not a regular file",
        f"{sid(7)}.jsonl": "a device, not a regular file",
        f"{sid(8)}.jsonl": "symbolic link loop",
        f"{sid(9)}.jsonl": "symbolic link loop",
        f"{sid(10)}.jsonl": "symbolic link to nothing",
        # the linked-back directory lists this directory's files again, as a session
        # (listed first): the flat names are the duplicates
        f"{sid(1)}.jsonl": "duplicate segment id",
        f"{sid(11)}.jsonl": "duplicate segment id",
        sid(13): "symbolic link loop",
        sid(14): "symbolic link loop",
        sid(15).upper(): "session directory name is not a lower-case",
    }
    assert set(unlisted) == set(expected)
    for name, needle in expected.items():
        assert needle in unlisted[name].reason, (name, unlisted[name].reason)
        assert unlisted[name].kind == "skipped" and "\n" not in unlisted[name].reason
    assert {s.session_id for s in scan.segments} == {sid(12)}
    duplicates = [i.path for i in scan.unlisted if "duplicate" in i.reason]
    assert duplicates == [tmp_path / f"{sid(1)}.jsonl", tmp_path / f"{sid(11)}.jsonl"]
    shutil.rmtree(outside)


def test_temporary_files_of_an_interrupted_fork_are_reported(tmp_path: Path) -> None:
    write_segment(tmp_path, sid(1), None, ts=1, turns=1, text="one")
    # what FsStore.create_segment leaves behind when killed between writing and linking
    fd, name = tempfile.mkstemp(prefix=f".{sid(2)}.jsonl.", suffix=".tmp", dir=tmp_path)
    os.write(fd, b'{"kind":"segment_start"')
    os.close(fd)
    scan = scan_store(tmp_path)
    assert scan.ids() == [sid(1)]
    assert [(i.path, i.kind) for i in scan.unlisted] == [(Path(name), "temp_file")]
    assert (
        "interrupted fork" in scan.unlisted[0].reason
        and "safe to delete" in scan.unlisted[0].reason
    )


def test_an_unlistable_session_directory_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s1, s2 = sid(901), sid(902)
    write_segment(tmp_path / s1, sid(1), s1, ts=1, turns=1, text="one")
    write_segment(tmp_path / s2, sid(2), s2, ts=2, turns=1, text="two")
    real = os.scandir
    locked = str(tmp_path / s2)

    def scandir(path: str) -> object:  # what a directory without read permission does
        if os.fspath(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", locked)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    scan = scan_store(tmp_path)
    assert scan.ids() == [sid(1)]
    assert [(i.path, i.kind) for i in scan.unlisted] == [(Path(locked), "unreadable")]
    assert "Permission denied" in scan.unlisted[0].reason


def test_a_worker_session_file_that_cannot_be_read(tmp_path: Path) -> None:
    built = build_data_dir(tmp_path)
    session = built.path / "runtime" / "workers" / WORKER_ID / "session"
    (compat,) = head_sessions("head_compat")
    manifest = session / "session.json"
    variants: dict[str, bytes | None] = {
        "missing": None,
        "not valid JSON": b"{",
        "no valid session_id": b'{"schema_version":1,"session_id":"nope"}',
    }
    for needle, content in variants.items():
        manifest.unlink(missing_ok=True)
        if content is not None:
            manifest.write_bytes(content)
        scan = scan_store(session)
        assert scan.ids() == compat.order  # still listed, without a session id
        assert {s.session_id for s in scan.segments} == {None}
        ((path, kind, reason),) = [(i.path, i.kind, i.reason) for i in scan.unlisted]
        assert (path, kind) == (manifest, "session_file") and needle in reason
    manifest.unlink()
    os.mkfifo(manifest)  # never opened
    scan = scan_store(session)
    assert [i.kind for i in scan.unlisted] == ["session_file"] and "FIFO" in scan.unlisted[0].reason
    manifest.unlink()
    manifest.write_text(f'{{"schema_version":2,"session_id":"{compat.session_id.upper()}"}}')
    scan = scan_store(session)
    assert {s.session_id for s in scan.segments} == {compat.session_id}
    assert [i.kind for i in scan.unlisted] == ["session_file"] and "2" in scan.unlisted[0].reason


def test_duplicate_ids_are_listed_once(tmp_path: Path) -> None:
    s1, s2 = sid(901), sid(902)
    write_segment(tmp_path / s1, sid(1), s1, ts=1, turns=1, text="one")
    shutil.copytree(tmp_path / s1, tmp_path / s2)
    scan = scan_store(tmp_path)
    assert scan.ids() == [sid(1)] and scan.segments[0].session_id == s2  # newest session
    ((entry),) = scan.unlisted
    assert entry.path == tmp_path / s1 / f"{sid(1)}.jsonl" and "duplicate" in entry.reason


def test_paths_that_are_not_stores(tmp_path: Path) -> None:
    write_segment(tmp_path, sid(1), None, ts=1, turns=1, text="one")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "notes.jsonl").write_text("x")
    os.mkfifo(tmp_path / f"{sid(2)}.jsonl")
    (tmp_path / f"{sid(3)}.trace.jsonl").write_text("{}\n")
    cases = {
        tmp_path / "missing": "store not found",
        tmp_path / f"{sid(4)}.jsonl": "segment file not found",
        tmp_path / "notes.txt": "not a store directory or a .jsonl segment file",
        tmp_path / "notes.jsonl": "its name is not a UUID",
        tmp_path / f"{sid(2)}.jsonl": "a FIFO",
        tmp_path / f"{sid(3)}.trace.jsonl": "a trace file",
    }
    for path, needle in cases.items():
        with pytest.raises(NotAStore) as info:
            scan_store(path)
        assert needle in str(info.value) and str(path) in str(info.value)


def test_resolve_id() -> None:
    ids = [sid(3), sid(2), sid(1), "0190f000-0000-7000-8000-000000000001"]
    assert resolve_id(sid(2), ids, where="S") == sid(2)
    assert resolve_id(f"  {sid(2).upper()}.jsonl ", ids, where="S") == sid(2)
    assert resolve_id(f"some/dir/{sid(2)}.jsonl", ids, where="S") == sid(2)
    assert resolve_id("0190f", ids, where="S") == "0190f000-0000-7000-8000-000000000001"
    with pytest.raises(AmbiguousSegment) as ambiguous:
        resolve_id("0190e000", ids, where="S")
    assert ambiguous.value.candidates == [sid(3), sid(2), sid(1)]
    assert "3 candidates" in str(ambiguous.value)
    for nothing in ("ffff", "", "   "):
        with pytest.raises(NoSuchSegment, match="no segment matches"):
            resolve_id(nothing, ids, where="S")
    skipped = [Unlisted(Path("S") / f"{sid(9).upper()}.jsonl", "not lower-case")]
    with pytest.raises(LookupError) as info:
        resolve_id(sid(9)[:13], ids, where="S", unlisted=skipped)
    assert f"not listed: S/{sid(9).upper()}.jsonl: not lower-case" in str(info.value)


def test_the_fingerprint_sees_bytes_before_the_resume_point(tmp_path: Path) -> None:
    path = tmp_path / "f"
    data = bytes(range(256)) * 64  # 16 KiB
    path.write_bytes(data)
    for end in (0, 10, 4096, 5000, 8192, len(data)):
        digest = prefix_fingerprint(path, end)
        assert digest is not None and digest == prefix_fingerprint(path, end)
        path.write_bytes(data + b"more")  # appending keeps it
        assert prefix_fingerprint(path, end) == digest
        path.write_bytes(data)
    full = prefix_fingerprint(path, len(data))
    for at in (0, 100, len(data) - 4096, len(data) - 1):  # the head, or just before the end
        changed = bytearray(data)
        changed[at] ^= 0xFF
        path.write_bytes(bytes(changed))
        assert prefix_fingerprint(path, len(data)) != full, at
    path.write_bytes(data[:-1])
    assert prefix_fingerprint(path, len(data)) is None  # shorter than what was read
    assert prefix_fingerprint(tmp_path / "missing", 1) is None
    os.mkfifo(tmp_path / "fifo")
    assert prefix_fingerprint(tmp_path / "fifo", 1) is None  # not opened for reading


def test_file_stat_tells_a_replaced_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc\n")
    before = FileStat.of(path.stat())
    replacement = tmp_path / "g"
    replacement.write_bytes(b"abc\n")
    os.utime(replacement, ns=(before.mtime_ns, before.mtime_ns))
    os.replace(replacement, path)
    after = FileStat.of(path.stat())
    assert after.size == before.size and after.mtime_ns == before.mtime_ns
    assert not after.same_file(before) and after != before
