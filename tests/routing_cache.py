"""Compile each URL rule's builder once per test process instead of once per application.

Every test builds an application of its own (tests/conftest.py), and werkzeug compiles two URL
builders for each of its rules from a syntax tree (``ast`` → ``compile``): three quarters of
``create_app``'s time. A builder is a pure function of the rule's shape (its text, its parsed
parts, the names of its defaults and the URL text of those that fill a placeholder), and it
reaches the rule's converters through the ``self`` it is bound to, so applications can share
it: each application still gets rules, converters and a map of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from werkzeug.routing.rules import Rule

Builder = Callable[..., tuple[str, str]]
_compile_builder = Rule._compile_builder
_builders: dict[Hashable, Builder] = {}


def _shape(rule: Rule, append_unknown: bool) -> Hashable:
    """Everything ``Rule._compile_builder`` reads to write the builder's code."""
    defaults = rule.defaults or {}
    filled = tuple(
        (name, rule._converters[name].to_url(defaults[name]))
        for dynamic, name in rule._trace
        if dynamic and name in defaults
    )
    return (rule.rule, tuple(rule._trace), tuple(map(str, defaults)), filled, append_unknown)


def _shared_builder(rule: Rule, append_unknown: bool = True) -> Builder:
    key = _shape(rule, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(rule, append_unknown)
    return builder


def share_compiled_builders() -> None:
    """Install the shared builders (once per process, before the first application)."""
    patched: Any = _shared_builder
    Rule._compile_builder = patched  # type: ignore[method-assign]
