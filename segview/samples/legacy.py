"""*legacy*: an older runtime's log, with the plural entry kinds.

Runtimes before the per-item entries logged the items of one step together
(``assistant_items``, ``tool_results``, ``system_items``, ``hook_injected_items``) and wrote
no ``invoke`` markers and no usage.
"""

from __future__ import annotations

from segview.store import (
    AssistantItems,
    FsStore,
    HookInjectedItems,
    LoggedItem,
    ReasoningItem,
    RequestConfig,
    RestoredState,
    SystemItem,
    SystemItems,
    SystemNotification,
    ToolCallItem,
    ToolResultItem,
    ToolResults,
    append_entry,
    create_segment_with_id,
    save_run_completed,
    save_turn_end,
    save_user_input,
)

from .ids import DEMO_SEGMENTS, segment_created_ms
from .session import Seconds, args, attachment, demo_rng, message, user_segment
from .texts import Corpus

CORPUS = Corpus("legacy")

PROMPT = "You are a helpful coding agent working in /home/dev/site."
CONFIG = RequestConfig(max_tokens=4096, stop_sequences=[])


class _LegacyLog:
    """Appends the entries of the legacy segment, with its own simulated clock."""

    def __init__(self, store: FsStore) -> None:
        self.store = store
        self.id = DEMO_SEGMENTS["legacy"]
        self.rng = demo_rng("legacy")
        self.now = segment_created_ms(self.id)
        state = RestoredState(system_prompt=PROMPT, config=CONFIG)
        create_segment_with_id(store, self.id, state, ts=self.now)

    def at(self, low: float, high: float) -> int:
        """The clock, advanced by between ``low`` and ``high`` seconds."""
        self.now += int(self.rng.uniform(low, high) * 1000)
        return self.now

    def user(self, text: str, after: Seconds) -> None:
        save_user_input(self.store, self.id, [user_segment(text)], ts=self.at(*after))

    def assistant(self, after: Seconds, *items: LoggedItem) -> None:
        append_entry(self.store, self.id, AssistantItems(ts=self.at(*after), items=list(items)))

    def answer(self, after: Seconds, markdown: str) -> None:
        self.assistant(after, message("assistant", markdown))

    def results(self, after: Seconds, *items: ToolResultItem) -> None:
        append_entry(self.store, self.id, ToolResults(ts=self.at(*after), items=list(items)))

    def end_turn(self, turn_count: int) -> None:
        save_turn_end(self.store, self.id, turn_count, ts=self.at(0.02, 0.05))
        save_run_completed(self.store, self.id, "finished", False, ts=self.at(0.002, 0.008))


def write_legacy(store: FsStore) -> None:
    log = _LegacyLog(store)

    log.user("Why does `make deploy` rebuild everything every time?", after=(0.01, 0.02))
    log.assistant(
        (3, 5),
        ReasoningItem(text="Look at the Makefile targets first.", summary=["Read the Makefile"]),
        ToolCallItem(call_id="call_a1", name="read_file", arguments=args(path="Makefile")),
    )
    makefile = CORPUS.text("Makefile")
    log.results(
        (0.05, 0.2),
        ToolResultItem(call_id="call_a1", summary="Makefile (10 lines)", content=makefile),
    )
    log.answer((6, 9), CORPUS.text("answer_1.md"))
    log.end_turn(1)

    # two tool calls in one step; a hook injects a message
    log.user("Do it, and check that a second deploy skips the build.", after=(60, 90))
    rule = "dist/index.html: $(shell find src -type f)\n\tnpm run build\n\n"
    edit = args(
        path="Makefile", old_string="deploy: build\n", new_string=f"{rule}deploy: dist/index.html\n"
    )
    log.assistant(
        (4, 7),
        ToolCallItem(call_id="call_b1", name="edit_file", arguments=edit),
        ToolCallItem(
            call_id="call_b2", name="run_command", arguments=args(command="make -n deploy")
        ),
    )
    log.results(
        (0.3, 0.8),
        ToolResultItem(call_id="call_b1", summary="edited Makefile (1 replacement)"),
        ToolResultItem(
            call_id="call_b2",
            summary="exit code 0",
            content="rsync -az --delete dist/ web@example.org:/srv/www/",
        ),
    )
    hook = message("system", "[Hook post_edit] Makefile: `make -n` parses cleanly.")
    append_entry(store, log.id, HookInjectedItems(ts=log.at(0.05, 0.1), items=[hook]))
    log.answer(
        (4, 6),
        "Done. `make -n deploy` now only prints the `rsync` line: with `dist/` up to date the "
        "build is skipped.",
    )
    log.end_turn(2)

    # notifications arrive as a batch of system items
    notification = SystemNotification(
        message="deploy #212 succeeded",
        body="[Notification]\nbuild server: deploy #212 succeeded in 14s",
    )
    deploy_log = "sent 18,204 bytes  received 412 bytes  total size 1,204,551"
    batch: list[SystemItem] = [notification, attachment("deploy.log", deploy_log)]
    append_entry(store, log.id, SystemItems(ts=log.at(300, 400), items=batch))
    log.answer(
        (3, 5),
        "Deploy #212 went through in 14 s and only sent 18 kB — the unchanged build was reused.",
    )
    log.end_turn(3)
