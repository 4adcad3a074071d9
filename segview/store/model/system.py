"""System items, pod and worker events, prompt provenance."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import (
    Field,
    Tag,
)

from .base import (
    _UNKNOWN,
    CURRENT,
    REFERENCE,
    U64,
    FormatVersion,
    StoreModel,
    UnknownVariant,
    _discriminator,
)

# --- system items, pod and worker events (protocol) -----------------------------------------


class ScopeRule(StoreModel):
    target: str
    permission: Literal["read", "write"]
    recursive: bool = True


class PodScopeSnapshot(StoreModel):
    allow: list[ScopeRule]
    deny: list[ScopeRule]


class PodTurnEnded(StoreModel):
    kind: Literal["turn_ended"] = "turn_ended"
    pod_name: str


class PodErrored(StoreModel):
    kind: Literal["errored"] = "errored"
    pod_name: str
    message: str


class PodShutDown(StoreModel):
    kind: Literal["shut_down"] = "shut_down"
    pod_name: str


class PodScopeSubDelegated(StoreModel):
    kind: Literal["scope_sub_delegated"] = "scope_sub_delegated"
    parent_pod: str
    sub_pod: str
    sub_socket: str
    scope: list[ScopeRule]


PodEvent = Annotated[
    PodTurnEnded | PodErrored | PodShutDown | PodScopeSubDelegated, Field(discriminator="kind")
]
"""Reference version: what a child pod reported (renamed ``worker_event`` later)."""


class WorkerTurnEnded(StoreModel):
    kind: Literal["turn_ended"] = "turn_ended"
    worker_name: str


class WorkerErrored(StoreModel):
    kind: Literal["errored"] = "errored"
    worker_name: str
    message: str


class WorkerShutDown(StoreModel):
    kind: Literal["shut_down"] = "shut_down"
    worker_name: str


class WorkerScopeSubDelegated(StoreModel):
    kind: Literal["scope_sub_delegated"] = "scope_sub_delegated"
    parent_worker: str
    sub_worker: str
    sub_socket: str
    scope: list[ScopeRule]


class UnknownWorkerEvent(UnknownVariant):
    """A worker event kind no known version has."""

    _what = "worker event"


WorkerEvent = Annotated[
    Annotated[WorkerTurnEnded, Tag("turn_ended")]
    | Annotated[WorkerErrored, Tag("errored")]
    | Annotated[WorkerShutDown, Tag("shut_down")]
    | Annotated[WorkerScopeSubDelegated, Tag("scope_sub_delegated")]
    | Annotated[UnknownWorkerEvent, Tag(_UNKNOWN)],
    _discriminator(
        "a worker event",
        (WorkerTurnEnded, WorkerErrored, WorkerShutDown, WorkerScopeSubDelegated),
        UnknownWorkerEvent,
    ),
]
"""Current version: what a child worker reported."""


class PromptProvenance(StoreModel):
    """Current version: where the text of a rendered system prompt item came from."""

    _omit_when_empty = frozenset({"workspace_id"})

    workspace_id: str | None = None
    config_revision: U64
    source_digest: str
    projection_digest: str
    logical_name: str


class SystemNotification(StoreModel):
    _omit_when_empty = frozenset({"prompt_provenance"})
    _versions: ClassVar[dict[str, frozenset[FormatVersion]]] = {
        "prompt_provenance": frozenset({CURRENT})
    }

    kind: Literal["notification"] = "notification"
    message: str
    body: str
    prompt_provenance: PromptProvenance | None = None  # current version


class SystemPodEvent(StoreModel):
    """Reference version only (the current version rejects it)."""

    kind: Literal["pod_event"] = "pod_event"
    event: PodEvent
    body: str


class SystemWorkerEvent(StoreModel):
    """Current version only."""

    _omit_when_empty = frozenset({"prompt_provenance"})

    kind: Literal["worker_event"] = "worker_event"
    event: WorkerEvent
    body: str
    prompt_provenance: PromptProvenance | None = None


class SystemFileAttachment(StoreModel):
    kind: Literal["file_attachment"] = "file_attachment"
    path: str
    body: str


class SystemSkillActivation(StoreModel):
    """Current version only."""

    kind: Literal["skill_activation"] = "skill_activation"
    name: str
    body: str


class SystemKnowledge(StoreModel):
    """Replayed as its body by the reference version, as an empty text by the current one."""

    kind: Literal["knowledge"] = "knowledge"
    slug: str
    body: str


class SystemWorkflow(StoreModel):
    """The reference version writes (and requires) ``body``; the current one ignores it,
    writes ``{kind, slug}`` and replays ``Ignored legacy procedure item: /{slug}``."""

    _omit_when_empty = frozenset({"body"})
    _versions: ClassVar[dict[str, frozenset[FormatVersion]]] = {"body": frozenset({REFERENCE})}

    kind: Literal["workflow"] = "workflow"
    slug: str
    body: str | None = None


class SystemTaskReminder(StoreModel):
    """Current version only; ``source`` defaults to ``task_inactivity`` and is always written."""

    _omit_when_empty = frozenset({"prompt_provenance"})

    kind: Literal["task_reminder"] = "task_reminder"
    source: Literal["task_inactivity"] = "task_inactivity"
    body: str
    prompt_provenance: PromptProvenance | None = None


class SystemInterrupt(StoreModel):
    """Current version only: the note that the previous turn was interrupted."""

    _omit_when_empty = frozenset({"prompt_provenance"})

    kind: Literal["interrupt"] = "interrupt"
    body: str
    prompt_provenance: PromptProvenance | None = None


class UnknownSystemItem(UnknownVariant):
    """A system item kind no known version has (replayed as its ``body`` when it has one)."""

    _what = "system item"


_SYSTEM_ITEM_CLASSES = (
    SystemNotification,
    SystemPodEvent,
    SystemWorkerEvent,
    SystemFileAttachment,
    SystemSkillActivation,
    SystemKnowledge,
    SystemWorkflow,
    SystemTaskReminder,
    SystemInterrupt,
)
SystemItem = Annotated[
    Annotated[SystemNotification, Tag("notification")]
    | Annotated[SystemPodEvent, Tag("pod_event")]
    | Annotated[SystemWorkerEvent, Tag("worker_event")]
    | Annotated[SystemFileAttachment, Tag("file_attachment")]
    | Annotated[SystemSkillActivation, Tag("skill_activation")]
    | Annotated[SystemKnowledge, Tag("knowledge")]
    | Annotated[SystemWorkflow, Tag("workflow")]
    | Annotated[SystemTaskReminder, Tag("task_reminder")]
    | Annotated[SystemInterrupt, Tag("interrupt")]
    | Annotated[UnknownSystemItem, Tag(_UNKNOWN)],
    _discriminator("a system item", _SYSTEM_ITEM_CLASSES, UnknownSystemItem),
]
"""A system message injected into the conversation; ``body`` is the text the model saw."""

# the system item kinds each version reads
REFERENCE_SYSTEM_ITEMS = frozenset(
    {"notification", "pod_event", "file_attachment", "knowledge", "workflow"}
)
CURRENT_SYSTEM_ITEMS = frozenset(
    {
        "notification",
        "worker_event",
        "file_attachment",
        "skill_activation",
        "knowledge",
        "workflow",
        "task_reminder",
        "interrupt",
    }
)
