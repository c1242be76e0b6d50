"""YAML read without surprises, and file limits, for every file roi reads (scenarios,
checklists): no arbitrary objects, no duplicate keys, no YAML 1.1 numerals that mean
something else than they look, no alias bombs, no file past a size limit."""

from __future__ import annotations

import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

# libyaml's C parser when PyYAML was built with it: about 10x faster on long scenario lists.
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _StrictLoader(_SafeLoader):
    """PyYAML's SafeLoader, stricter where YAML 1.1 would change a number or a date behind
    the user's back:

    - a key given twice in one mapping is refused (PyYAML keeps the last);
    - YAML 1.1 numerals that read as something else (`1:30` is 90, `010` is 8, `0x10` is
      16, `0b11` is 3) are refused with what they would have been;
    - dates stay text, for the scenario to validate with the field's name
      (`2026-02-30` is then "must be a date", not a traceback);
    - only `true` and `false` are booleans, as in YAML 1.2: `NO` (Norway), `yes`, `on`,
      `off`, `y` and `n` stay the text they are.
    """


_AMBIGUOUS_TAG = "tag:roi,2026:ambiguous-number"
_AMBIGUOUS = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?0o[0-7_]+
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$""",
    re.X,
)
_DECIMAL_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_DECIMAL_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_REPLACED = {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:bool",
}
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
# 250.000 is 250 to YAML and 250,000 to a reader used to a thousands point: kept as the
# text it is, for roi.amounts to refuse with both readings.
_THOUSANDS_POINT = re.compile(r"^[-+]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+$")
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
_DIGITS = list("-+0123456789")
_StrictLoader.add_implicit_resolver(_AMBIGUOUS_TAG, _AMBIGUOUS, _DIGITS)
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _DECIMAL_FLOAT, [*_DIGITS, "."])
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", _DECIMAL_INT, _DIGITS)
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:str", _THOUSANDS_POINT, _DIGITS)
_FIRST = (_AMBIGUOUS_TAG, "tag:yaml.org,2002:str")
for _first in _StrictLoader.yaml_implicit_resolvers:  # the ambiguous forms are tried first
    _StrictLoader.yaml_implicit_resolvers[_first].sort(key=lambda entry: entry[0] not in _FIRST)


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *base` may be overridden
            continue
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            continue  # the SafeLoader itself reports an unhashable key
        if key in first_line:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"{key!r} is given twice (first at line {first_line[key]})",
                key_node.start_mark,
            )
        first_line[key] = key_node.start_mark.line + 1
    mapping = loader.construct_mapping(node, deep=True)
    # A name is text: `name: 1.10` is the initiative "1.10", not the number 1.1.
    for key_node, value_node in node.value:
        if (
            isinstance(value_node, yaml.ScalarNode)
            and value_node.tag in _NUMBER_TAGS
            and loader.construct_object(key_node) in TEXT_KEYS
        ):
            mapping[loader.construct_object(key_node)] = value_node.value
    return mapping


TEXT_KEYS = ("name",)
"""Keys whose value is text even when written like a number (an initiative or criterion name)."""
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def _ambiguous_number(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    meant: Any
    try:
        if ":" in text and "." in text:
            meant = yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)
        else:
            meant = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        meant = None
    read_as = f"YAML 1.1 reads it as {meant!r}" if meant is not None else "it is not decimal"
    raise yaml.constructor.ConstructorError(
        None,
        None,
        f"{text!r} is ambiguous ({read_as}): write the number in decimal, or quote text",
        node.start_mark,
    )


_StrictLoader.add_constructor(_AMBIGUOUS_TAG, _ambiguous_number)

MAX_YAML_NODES = 100_000
"""Most values a YAML document may expand to, aliases counted each time they are used (a
"billion laughs" file of 1 kB expands to 10^9): a scenario file holds a few hundred."""

MAX_FILE_BYTES = 10 * 2**20
"""Largest scenario or checklists file read (10 MiB: about 40,000 scenario rows)."""


def file_too_big(path: Path, limit: int = MAX_FILE_BYTES) -> str | None:
    """Why a file is too big to read (its size and the limit), or None."""
    size = path.stat().st_size
    if size <= limit:
        return None
    return f"is {size / 2**20:.1f} MiB; roi reads files of at most {limit / 2**20:g} MiB"


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Values in a composed YAML node with every alias expanded, in linear time (an
    alias is the same node object, so its size is counted once and reused)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a node inside itself (a recursive alias) counts once
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(
            _expanded_size(key, sizes) + _expanded_size(value, sizes) for key, value in node.value
        )
    else:
        size = 1
    sizes[id(node)] = min(size, MAX_YAML_NODES + 1)
    return sizes[id(node)]


def safe_yaml(text: str) -> Any:
    r"""A YAML document read with `_StrictLoader`, refusing one that expands past
    `MAX_YAML_NODES` values. Raises yaml.YAMLError (with a position where there is one).

    >>> safe_yaml("users: 120\nstart: 2026-02-30\nrate: 0.5")
    {'users': 120, 'start': '2026-02-30', 'rate': 0.5}
    >>> try:
    ...     safe_yaml("minutes: 1:30")
    ... except yaml.YAMLError as error:
    ...     print(error.problem)
    '1:30' is ambiguous (YAML 1.1 reads it as 90): write the number in decimal, or quote text
    """
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_YAML_NODES:
            raise yaml.YAMLError(
                f"it expands to more than {MAX_YAML_NODES:,} values (aliases counted each "
                "time they are used): a scenario file holds far fewer"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()
