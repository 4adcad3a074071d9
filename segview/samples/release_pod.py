"""*system_items*: a release pod coordinating sub-pods.

Every ``system_item`` kind and pod event, every invoke trigger and run result, a provider
error (``run_errored``), ``pod.scope`` and another extension.
"""

from __future__ import annotations

from segview.store import (
    FileRefSegment,
    FsStore,
    KnowledgeRefSegment,
    PodErrored,
    PodEvent,
    PodScopeSnapshot,
    PodScopeSubDelegated,
    PodShutDown,
    PodTurnEnded,
    RequestConfig,
    ScopeRule,
    SystemKnowledge,
    SystemNotification,
    SystemPodEvent,
    SystemWorkflow,
    WorkflowInvokeSegment,
)

from .session import Session, args, attachment
from .texts import Corpus

CORPUS = Corpus("release_pod")

CONFIG = RequestConfig(max_tokens=4096, temperature=0.2, stop_sequences=[], reasoning="low")
REPO = "/home/dev/durations"
PODS = ("docs", "test-matrix")


def pod_event(event: PodEvent, body: str) -> SystemPodEvent:
    return SystemPodEvent(event=event, body=f"[Pod event] {body}")


def write_release_pod(store: FsStore) -> None:
    prompt = CORPUS.text("prompt.md")
    s = Session.start(store, "system_items", system_prompt=prompt, config=CONFIG)
    s.pod_scope(
        PodScopeSnapshot(
            allow=[
                ScopeRule(target=REPO, permission="write"),
                ScopeRule(target="/home/dev/.cache/pip", permission="read"),
            ],
            deny=[ScopeRule(target=f"{REPO}/.git/hooks", permission="write")],
        )
    )
    _start_release(s)
    _sub_pods_report(s)
    _reminders(s)
    _publish(s)
    s.extension(
        "memory.extract",
        {
            "processed_through_entry": s.entry_count(),
            "facts": [
                "durations drops a Python version only in a minor release",
                "release tags must be annotated",
            ],
        },
    )


def _start_release(s: Session) -> None:
    """Turn 1: the user starts the release; a file and a knowledge entry are attached."""
    checklist = KnowledgeRefSegment(slug="release-checklist")
    notes = FileRefSegment(path="CHANGELOG.md")
    s.ask(
        "Publish durations 0.4.0. Follow ",
        checklist,
        "; the notes are in ",
        notes,
        ".",
        after=(1, 3),
    )
    s.system(
        attachment("CHANGELOG.md", CORPUS.file("changelog.md")),
        SystemKnowledge(slug="release-checklist", body=CORPUS.text("release_checklist.md")),
    )
    s.think(
        "Checklist items 2 and 3 can run in parallel in two sub-pods: docs and the test "
        "matrix. The changelog already has a dated 0.4.0 section.",
        ["Run docs and tests in parallel sub-pods"],
    )
    pods = (
        (
            "docs",
            "Build the docs for 0.4.0 with warnings as errors and check every link.",
            {"target": f"{REPO}/docs", "permission": "write"},
        ),
        (
            "test-matrix",
            "Run tox for every Python in tox.ini and report failures.",
            {"target": REPO, "permission": "read"},
        ),
    )
    for name, task, scope in pods:
        spawn = args(name=name, task=task, scope=[scope])
        socket = f"socket: /run/user/1000/yoi/pods/{name}.sock"
        s.call("spawn_pod", spawn).returns(f"pod `{name}` started", socket, took=(0.8, 1.5))
    s.answer(CORPUS.text("answer_01.md"), "yielded")


def _sub_pods_report(s: Session) -> None:
    """Turns 2-5: pod events, one of them an error the pod fixes."""
    delegated = PodScopeSubDelegated(
        parent_pod="docs",
        sub_pod="docs.linkcheck",
        sub_socket="/run/user/1000/yoi/pods/docs.linkcheck.sock",
        scope=[
            ScopeRule(target=f"{REPO}/docs/_build", permission="read"),
            ScopeRule(target=f"{REPO}/docs/links.txt", permission="write", recursive=False),
        ],
    )
    what = "read docs/_build (recursive), write docs/links.txt"
    report = f"`docs` delegated part of its scope to `docs.linkcheck`: {what}"
    s.event("pod_event", pod_event(delegated, report), after=(8, 15))
    s.answer(
        "`docs` started a link checker with read access to the built site only. Fine.", "yielded"
    )

    error = "tox env py38 failed: Package 'durations' requires a different Python: "
    error += "3.8.18 not in '>=3.9'"
    errored = PodErrored(pod_name="test-matrix", message=error)
    s.event("pod_event", pod_event(errored, f"`test-matrix` errored: {error}"), after=(60, 90))
    s.think(
        "Python 3.8 was dropped in 0.3.0 but tox.ini still lists py38. Remove it and rerun.",
        ["tox.ini still lists py38"],
    )
    s.edit("tox.ini", "envlist = py38, py39", "envlist = py39", "@@ -2 +2 @@")
    rerun = "py38 is no longer supported (dropped in 0.3.0); I removed it from tox.ini. "
    send = args(pod="test-matrix", message=rerun + "Please rerun.")
    s.call("send_to_pod", send).returns("message delivered to `test-matrix`")
    s.answer(
        "The matrix failed only because `tox.ini` still listed **py38**, which 0.3.0 dropped. "
        "I removed it and asked `test-matrix` to rerun.",
        "yielded",
    )

    finished = (
        (
            "docs",
            (40, 70),
            "docs built with no warnings (23 pages); linkcheck found 0 broken links.",
            "Docs are clean: 23 pages, no warnings, no broken links (checklist item 2 ✓).",
        ),
        (
            "test-matrix",
            (90, 140),
            "py39, py310, py311, py312, py313 passed (27 tests each).",
            "Test matrix green on Python 3.9–3.13 (checklist item 3 ✓).",
        ),
    )
    for pod, after, report, answer in finished:
        ended = pod_event(PodTurnEnded(pod_name=pod), f"`{pod}` finished a turn: {report}")
        s.event("pod_event", ended, after=after)
        s.answer(answer, "yielded")


def _reminders(s: Session) -> None:
    """Turns 6 and 7: a reminder from the runtime, a CI notification."""
    waiting = "The user has not answered for 10 minutes. Items 4 and 5 of the checklist need "
    waiting += "their confirmation."
    reminder = f"<system-reminder>\n{waiting}\n</system-reminder>"
    reminded = SystemNotification(message="release is waiting for the user", body=reminder)
    s.event("system_reminder", reminded, after=(600, 660))
    s.answer(
        "Everything up to the tag is done. Waiting for your go-ahead to push `v0.4.0` and "
        "upload to PyPI — run `/publish-release` when you're ready.",
        "yielded",
    )

    ci = "CI: workflow `release-check` on main #1893 passed"
    passed = SystemNotification(message=ci, body=f"[Notification]\n{ci} in 3m12s")
    s.event("notify", passed, after=(120, 200))
    s.answer("CI agrees: `release-check` #1893 passed on main.", "yielded")


def _publish(s: Session) -> None:
    """Turns 8-11: the publish workflow, a pause, a provider error, the wake-up, shutdown."""
    s.ask(WorkflowInvokeSegment(slug="publish-release"), after=(240, 320))
    s.system(SystemWorkflow(slug="publish-release", body=CORPUS.text("publish_workflow.md")))
    pushed = "To github.com:dev/durations.git\n * [new tag]         v0.4.0 -> v0.4.0"
    s.run("git push origin v0.4.0", pushed, took=(1.5, 2.5))
    s.answer(CORPUS.text("answer_08.md"), "paused")

    s.ask("Yes, upload.", after=(30, 60))
    s.run("twine upload dist/*", CORPUS.text("twine_upload.txt"), took=(4.0, 6.0))
    s.wait(20, 30)
    s.errored("provider error: 529 overloaded (Anthropic API), retries exhausted")

    resume = "The previous run stopped after a provider error. The upload had already "
    resume += "finished; continue with step 3 of the workflow."
    resuming = SystemNotification(
        message="resuming after a provider error", body=f"[Notification]\n{resume}"
    )
    s.event("wakeup", resuming, after=(60, 70))
    for pod in PODS:
        s.call("stop_pod", args(name=pod)).returns(f"stop requested for `{pod}`")
    s.answer(
        "**durations 0.4.0 is on PyPI**: https://pypi.org/project/durations/0.4.0/ — the "
        "upload had completed before the provider error. Both sub-pods are shutting down."
    )

    shut_down = [pod_event(PodShutDown(pod_name=p), f"`{p}` shut down") for p in PODS]
    s.event("pod_event", *shut_down, after=(3, 6))
    s.answer("Both sub-pods have shut down. The release is complete; every checklist item is ✓.")
