"""Each target's options for one service, copied from the spec's ``targets:`` section as plain values.

The IR keeps no spec object: ``copy_options`` reads every target's options (the section's value,
or the target's defaults) into ``TargetOptions``, lists and mappings turned into tuples, so the
record is frozen all the way down. A compiler reads its own target's options into a small record
of the fields it uses (``TargetOptions.of``), which is where they get their types.

>>> from sigil_monitoring.spec import targets as spec_targets
>>> section = spec_targets.Targets(mimir=spec_targets.Mimir(tenant="t1", source_tenants=["a", "b"]))
>>> options = copy_options(section)
>>> dict(dict(options.by_target)["mimir"])
{'tenant': 't1', 'namespace': None, 'source_tenants': ('a', 'b')}
>>> class Mimir(msgspec.Struct, frozen=True):  # what the Mimir compiler reads
...     tenant: str
...     source_tenants: tuple[str, ...]
>>> options.of("mimir", Mimir)
Mimir(tenant='t1', source_tenants=('a', 'b'))
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

# An option value: a scalar, or a tuple of them, or (name, value) pairs for a mapping.
Plain = str | int | float | bool | None | tuple["Plain", ...]
View = TypeVar("View", bound=msgspec.Struct)


class TargetOptions(msgspec.Struct, frozen=True):
    """(target name, ((option, value), ...)) for every target, in registry order."""

    by_target: tuple[tuple[str, tuple[tuple[str, Plain], ...]], ...] = ()

    def of(self, target: str, view: type[View]) -> View:
        """``target``'s options as ``view``, a record whose fields are (some of) the option names."""
        for name, values in self.by_target:
            if name == target:
                wanted = view.__struct_fields__
                return view(**{key: value for key, value in values if key in wanted})
        raise KeyError(f"no options for target {target!r} (the spec's targets section has no such key)")


def copy_options(section: msgspec.Struct) -> TargetOptions:
    """Every target's options from a spec's ``targets`` section (a spec struct whose fields are the
    registered targets, in registry order), as plain values."""
    return TargetOptions(tuple((name, _values(getattr(section, name))) for name in section.__struct_fields__))


def _values(options: msgspec.Struct) -> tuple[tuple[str, Plain], ...]:
    return tuple((field, _plain(getattr(options, field))) for field in options.__struct_fields__)


def _plain(value: object) -> Plain:
    if isinstance(value, dict):
        return tuple((key, _plain(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return tuple(_plain(item) for item in value)
    return value  # type: ignore[return-value]  # str, int, float, bool or None: what option models hold
