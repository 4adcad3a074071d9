"""Prices: the optional price table of ``config.toml`` (``load_prices``, ``PriceTable``),
what tokens cost (``Priced``) and how money is written (``format_money``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tokens import Tokens

__all__ = [
    "CONFIG_ENV",
    "Price",
    "PriceTable",
    "Priced",
    "config_path",
    "format_money",
    "load_prices",
]


CONFIG_ENV = "SEGVIEW_CONFIG"


PER = 1_000_000  # prices are per million tokens


@dataclass(frozen=True, slots=True)
class Price:
    """Prices per million tokens: uncached input, cache reads, cache writes, output."""

    input: float
    cache_read: float
    cache_write: float
    output: float

    def cost(self, tokens: Tokens) -> float:
        return (
            tokens.uncached_input * self.input
            + tokens.cache_read * self.cache_read
            + tokens.cache_write * self.cache_write
            + tokens.output * self.output
        ) / PER


@dataclass(frozen=True)
class PriceTable:
    """The prices of the config file, and which model each store uses."""

    prices: Mapping[str, Price] = field(default_factory=dict)
    currency: str = "$"
    model: str = "default"
    stores: Mapping[Path, str] = field(default_factory=dict)
    source: Path | None = None

    def model_for(self, store_root: Path) -> str:
        """The model of a store: its ``[cost.stores]`` entry, else ``cost.model``."""
        key = _normal(store_root)
        for path, model in self.stores.items():
            if key == path or path in key.parents:
                return model
        return self.model

    def price_for(self, store_root: Path) -> tuple[str, Price] | None:
        """``(model, price)`` for a store, or None when no price is configured for it."""
        model = self.model_for(store_root)
        price = self.prices.get(model)
        return None if price is None else (model, price)

    def format(self, amount: float) -> str:
        return format_money(amount, self.currency)


@dataclass(frozen=True, slots=True)
class Priced:
    """The price of a store's model, with the table it comes from (for the currency)."""

    model: str
    price: Price
    table: PriceTable

    def cost(self, tokens: Tokens) -> float:
        return self.price.cost(tokens)

    def format(self, tokens: Tokens) -> str:
        return self.table.format(self.price.cost(tokens))

    @classmethod
    def of(cls, table: PriceTable, store_root: Path) -> Priced | None:
        """The price of the store's model, or None when the table has none for it."""
        found = table.price_for(store_root)
        return None if found is None else cls(found[0], found[1], table)


def format_money(amount: float, currency: str = "$") -> str:
    """``$12.34``, ``$0.042``, ``<$0.001``, ``$1,234``."""
    if amount == 0:
        return f"{currency}0"
    if amount < 0.001:
        return f"<{currency}0.001"
    if amount < 1:
        return f"{currency}{amount:.3f}"
    if amount < 1000:
        return f"{currency}{amount:.2f}"
    return f"{currency}{amount:,.0f}"


def _normal(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except OSError:
        return path.expanduser().absolute()


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the config file is looked for."""
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    base = env.get("XDG_CONFIG_HOME")
    root = Path(base).expanduser() if base else Path.home() / ".config"
    return root / "segview" / "config.toml"


class ConfigError(ValueError):
    """The config file exists but cannot be used (the message names the file)."""


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be a number, not {value!r}")
    if value < 0 or value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{where} must be a finite number of 0 or more, not {value!r}")
    return float(value)


def _price(model: str, table: object, where: str) -> Price:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [prices.{model}] must be a table")
    unknown = set(table) - {"input", "cache_read", "cache_write", "output"}
    if unknown:
        raise ConfigError(
            f"{where}: [prices.{model}] has unknown keys: {', '.join(sorted(unknown))}"
        )
    for key in ("input", "output"):
        if key not in table:
            raise ConfigError(f"{where}: [prices.{model}] needs `{key}`")
    base = _number(table["input"], f"{where}: prices.{model}.input")
    return Price(
        input=base,
        cache_read=_number(table.get("cache_read", base), f"{where}: prices.{model}.cache_read"),
        cache_write=_number(table.get("cache_write", base), f"{where}: prices.{model}.cache_write"),
        output=_number(table["output"], f"{where}: prices.{model}.output"),
    )


def parse_prices(data: Mapping[str, Any], source: Path) -> PriceTable:
    """The price table of a parsed config file (raises ``ConfigError``)."""
    where = str(source)
    prices: dict[str, Price] = {}
    raw_prices = data.get("prices", {})
    if not isinstance(raw_prices, dict):
        raise ConfigError(f"{where}: `prices` must be a table of models")
    for model, table in raw_prices.items():
        prices[model] = _price(model, table, where)
    cost = data.get("cost", {})
    if not isinstance(cost, dict):
        raise ConfigError(f"{where}: `cost` must be a table")
    currency = cost.get("currency", "$")
    model = cost.get("model", "default")
    if not isinstance(currency, str) or not isinstance(model, str):
        raise ConfigError(f"{where}: cost.currency and cost.model must be strings")
    stores_raw = cost.get("stores", {})
    if not isinstance(stores_raw, dict):
        raise ConfigError(f"{where}: [cost.stores] must map store directories to models")
    stores: dict[Path, str] = {}
    for directory, name in stores_raw.items():
        if not isinstance(name, str):
            raise ConfigError(f"{where}: cost.stores.{directory!r} must name a model")
        stores[_normal(Path(directory))] = name
    return PriceTable(prices, currency, model, stores, source)


def load_prices(path: Path | None = None) -> tuple[PriceTable, str | None]:
    """The price table of the config file, and a warning when the file cannot be used.

    A missing file is no warning (no prices); an unreadable or malformed one gives an empty
    table and a one-line message naming the file (and the line, for TOML syntax errors).
    """
    source = config_path() if path is None else path
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        return PriceTable(), None
    except OSError as exc:
        return PriceTable(), f"{source}: cannot read: {exc.strerror or exc}; no prices"
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return PriceTable(), f"{source}: not UTF-8 text; no prices"
    except tomllib.TOMLDecodeError as exc:
        return PriceTable(), f"{source}: {exc}; no prices"
    try:
        return parse_prices(data, source), None
    except ConfigError as exc:
        return PriceTable(), f"{exc}; no prices"
