"""Tokens and cost: what the requests of a segment, a branch and a subtree used.

Each ``llm_usage`` entry is one LLM request; it is counted once, in the segment whose file
holds it. ``input_total_tokens`` is the whole prompt of the request, the cache reads and
writes included (``cache_read_tokens`` and ``cache_write_tokens`` are parts of it), so the
uncached input is the difference.

A turn's requests are written after its ``turn_end`` (with the run's outcome), so a
``llm_usage`` entry belongs to the turn whose ``turn_end`` it follows, up to the entry that
starts the next turn (``invoke``, ``user_input`` or a history item); usage before the first
``turn_end`` belongs to the first turn.

A fork or compaction starts from its parent's state after turn N: what the parent's branch
spent up to there (its turns up to N, and what the parent itself inherited) is the child's
*inherited* share, kept apart from what the child spent itself. Per segment the figures are:
``own`` (its file's requests), ``inherited``, ``branch`` (own + inherited: the root-to-segment
total) and ``subtree`` (own + every descendant's own: each request once).

Prices are optional: ``config.toml`` in the user's config directory (``$SEGVIEW_CONFIG``, else
``$XDG_CONFIG_HOME/segview/config.toml``, else ``~/.config/segview/config.toml``) can give
a price per million tokens for each model. Logs do not name the model, so a store's model
comes from the config: ``[cost.stores]`` maps a store directory to a model, ``cost.model``
names the model of every other store, and without either the ``default`` price is used.
Without a price nothing is shown as money. See ``docs/cost.md`` for the format.

The package: ``tokens`` (counts, turns, a segment's usage from its entries), ``scan`` (a
segment's usage from its bytes), ``figures`` (over the forest) and ``prices``.
"""

from __future__ import annotations

from .figures import Link, UsageFigures, lineage_figures, lineage_links, usage_figures
from .prices import CONFIG_ENV, Price, Priced, PriceTable, config_path, format_money, load_prices
from .scan import UsageReader, scan_usage
from .tokens import NO_TOKENS, SegmentUsage, Tokens, TurnSpan, segment_usage, sum_tokens, turn_spans

__all__ = [
    "CONFIG_ENV",
    "NO_TOKENS",
    "Link",
    "Price",
    "PriceTable",
    "Priced",
    "SegmentUsage",
    "Tokens",
    "TurnSpan",
    "UsageFigures",
    "UsageReader",
    "config_path",
    "format_money",
    "lineage_figures",
    "lineage_links",
    "load_prices",
    "scan_usage",
    "segment_usage",
    "sum_tokens",
    "turn_spans",
    "usage_figures",
]
