"""The ``segview`` command: open the app on a store, or run a scriptable subcommand.

``segview [STORE | FILE.jsonl] [--demo]`` opens the app; ``segview SUBCOMMAND ...`` runs one of
``ls``, ``tree``, ``show``, ``cat``, ``fork``, ``check``, ``search``, ``serve``, ``export``, ``diff``,
``notes``, ``label``, ``note``. Errors are one line on stderr with
a non-zero exit code, never a traceback. One parser reads both: its first positional
argument is a subcommand when it names one, else the store the app opens.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from .arguments import EXIT_USAGE
from .parser import LONG_RUNNING, build_parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        ns = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help and --version
        return int(exc.code or 0)
    if ns.command is None:
        from .app_cmd import main as open_app

        return open_app(ns.path, ns.demo)
    if ns.demo:
        print(
            f"segview: --demo opens the app and takes no SUBCOMMAND (got {ns.command}); "
            "leave out --demo",
            file=sys.stderr,
        )
        return EXIT_USAGE
    _warnings_to_stderr(now=ns.command in LONG_RUNNING)
    from .common import run_guarded

    handler = _handler(ns.handler)
    if ns.command in LONG_RUNNING:
        return run_guarded(lambda: int(handler(ns)))
    # a command that reads and prints, then ends: what it builds lives until it ends, so
    # the cyclic collector would only walk it again and again
    from segview.gcpause import gc_paused

    with gc_paused():
        return run_guarded(lambda: int(handler(ns)))


def run() -> None:
    """The ``segview`` console script: ``main``, then ``end_process``."""
    end_process(main())


def end_process(code: int) -> NoReturn:
    """End the process with status ``code``, the way the ``segview`` command ends.

    What a command or the app built (a store's forest, the index's records, the app's
    widgets) would otherwise be freed object by object as the interpreter shuts down: 1.6 s
    after the app on 50,000 segments has closed. With no other thread running (the app's
    workers have ended with it), the output is flushed and the process ends without that;
    with a thread still running it ends the usual way, which waits for it.
    """
    import threading

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # `segview cat … | head`; a closed stream
        pass
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    if all(t.daemon or t is threading.main_thread() for t in threading.enumerate()):
        os._exit(code)
    sys.exit(code)


def _handler(name: str) -> Callable[..., int]:
    """The function ``module.function`` (a module of ``segview.cli``) a subcommand runs."""
    module, function = name.rsplit(".", 1)
    run: Callable[..., int] = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return run


__all__ = ["build_parser", "end_process", "main", "run"]


def _warnings_to_stderr(*, now: bool) -> None:
    """Warnings of segview (the store core's: a malformed payload skipped, ...) as one line
    each on stderr. Only for subcommands: while the app runs, the terminal is the app's.

    The handler is installed with the store core's first warning (``segview.store.report``),
    so that a command that has none never imports ``logging``; ``now`` (a long-running
    command, whose own modules log) or ``logging`` already loaded installs it at once."""
    if now or "logging" in sys.modules:
        _stderr_lines()
    else:
        from segview.store.report import on_first

        if _stderr_lines not in on_first:  # (once, however many commands one process runs)
            on_first.append(_stderr_lines)


def _stderr_lines() -> None:
    import logging

    from .stderr_log import StderrLines

    root = logging.getLogger("segview")
    if not any(isinstance(h, StderrLines) for h in root.handlers):
        root.addHandler(StderrLines(logging.WARNING))
        root.propagate = False
