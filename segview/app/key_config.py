"""The ``[keymap]`` table of the config file: other keys for the app's bindings.

::

    [keymap]
    fork = "F"
    next_turn = "l,right_square_bracket"   # several keys: comma separated
    previous_turn = "h,["                  # a character is its key

Each entry names a binding by its id (``KeySpec.binding_id``; the README's key table lists
them) and gives it Textual key names (``right_square_bracket``, ``ctrl+x``, ``f5``) or single
characters, comma separated; they replace the binding's own keys. An entry that names no
binding, gives no usable key, or is not a string is ignored with a one-line warning naming the
file and the entry; so is a file that cannot be read. A key that another binding of the same
screen also has is kept, with a warning saying which binding it takes the key from.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character

from segview.cost import config_path

from .keymap import KEYS, MAIN_SCOPES, KeySpec, key_display

__all__ = ["load_keymap", "parse_keymap", "valid_key"]

_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED = frozenset(
    {k.value.rpartition("+")[2] for k in Keys if not k.value.startswith("<")}
    | set(KEY_NAME_REPLACEMENTS.values())
)


def _key_name(key: str) -> str:
    """A character as Textual names its key (``]`` → ``right_square_bracket``); other keys
    as they are."""
    if len(key) != 1 or key.isalnum():
        return key
    try:
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return key
    return KEY_NAME_REPLACEMENTS.get(name, name)


def valid_key(key: str) -> bool:
    """``key`` is a Textual key name (with modifiers: ``ctrl+x``) a terminal can send."""
    *modifiers, base = key.split("+")
    if not base or any(m not in _MODIFIERS for m in modifiers):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    return base in _NAMED or key_to_character(base) is not None


def _scope_group(spec: KeySpec) -> str:
    return "main" if spec.scope in MAIN_SCOPES else spec.scope


def _clashes(keymap: dict[str, str], where: dict[str, str], keys: Iterable[KeySpec]) -> list[str]:
    """One warning per remapped key that another binding of the same screen also has."""
    specs = list(keys)
    bound: dict[tuple[str, str], list[str]] = {}
    for spec in specs:
        for key in keymap.get(spec.binding_id, spec.keys).split(","):
            bound.setdefault((_scope_group(spec), key), []).append(spec.binding_id)
    warnings = []
    for spec in specs:
        if spec.binding_id not in keymap:
            continue
        for key in keymap[spec.binding_id].split(","):
            others = [b for b in bound[(_scope_group(spec), key)] if b != spec.binding_id]
            if others:
                warnings.append(
                    f"{where[spec.binding_id]}: {key_display(key)} is also the key of "
                    f"{', '.join(others)}; give one of them another key"
                )
    return warnings


def parse_keymap(
    data: object, source: Path, keys: tuple[KeySpec, ...] = KEYS
) -> tuple[dict[str, str], list[str]]:
    """The remapped keys of a parsed ``[keymap]`` table (binding id → Textual key names, comma
    separated), and one warning per entry that cannot be used or that clashes."""
    if not isinstance(data, dict):
        return {}, [f"{source}: [keymap] must be a table of binding ids; keys not remapped"]
    ids = {spec.binding_id for spec in keys}
    keymap: dict[str, str] = {}
    where: dict[str, str] = {}
    warnings: list[str] = []
    for binding_id, value in data.items():
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        entry = f"{source}: [keymap] {binding_id} = {shown}"
        if binding_id not in ids:
            warnings.append(f"{entry}: no key binding has this id (the README lists them); ignored")
            continue
        if not isinstance(value, str):
            warnings.append(f"{entry}: not a string of keys; ignored")
            continue
        names = [_key_name(k.strip()) for k in value.split(",")]
        bad = [n for n in names if not valid_key(n)]
        if bad:
            unknown = ", ".join(f'"{n}"' for n in bad)
            warnings.append(f"{entry}: not a key: {unknown}; ignored")
            continue
        keymap[binding_id] = ",".join(dict.fromkeys(names))
        where[binding_id] = entry
    return keymap, warnings + _clashes(keymap, where, keys)


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """The ``[keymap]`` table of the config file (``segview.cost.config_path``), and warnings.

    A missing file, or one without the table, remaps nothing and warns of nothing."""
    source = config_path() if path is None else path
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        return {}, [f"{source}: cannot read: {exc.strerror or exc}; keys not remapped"]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return {}, [f"{source}: not UTF-8 text; keys not remapped"]
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{source}: {exc}; keys not remapped"]
    if "keymap" not in data:
        return {}, []
    return parse_keymap(data["keymap"], source)
