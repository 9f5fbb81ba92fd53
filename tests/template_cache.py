"""Compile each template once per test process instead of once per application.

Every test builds an application of its own, and with it a Jinja environment whose template
cache starts empty: each test compiled the base layout, the macros and its pages again (parse,
generate Python, ``compile``), a fifth of a page test's time. Jinja's bytecode cache keeps the
compiled code and checks it against the template's source; here it lives in memory for the
test process and is keyed also by what of the environment shapes the generated code, so an
application configured differently compiles its own. Each application still runs the code in
an environment, with globals and filters, of its own.
"""

from __future__ import annotations

from collections.abc import Hashable

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache


def _shape(environment: Environment) -> Hashable:
    """The settings of an environment that change the code Jinja generates for a template."""
    return (
        tuple(sorted(environment.extensions)),
        environment.autoescape if isinstance(environment.autoescape, bool) else "select",
        environment.finalize is not None,
        environment.optimized,
        environment.is_async,
        getattr(environment, "newstyle_gettext", None),
        environment.block_start_string,
        environment.variable_start_string,
        environment.comment_start_string,
        environment.line_statement_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.keep_trailing_newline,
    )


class SharedTemplateCode(BytecodeCache):
    """Compiled templates in memory, shared by the applications of one test process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(
        self, environment: Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        key = f"{_shape(environment)!r}:{self.get_cache_key(name, filename)}"
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)  # code only if compiled from this very source
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self._code.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()
