"""References from SLOs, alerts and panels to the metrics catalog.

A reference is either the logical name alone (``errors``) or a mapping that narrows it
(``{metric: errors, where: {operation: encode}}``); both mean the same model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from msgspec import field

from .struct import SpecStruct

if TYPE_CHECKING:
    from pydantic import Field

    from .types import LabelName, LogicalName, Matchers


class MetricRef(SpecStruct, frozen=True, kw_only=True):
    metric: Annotated[LogicalName, Field(description="Logical name from the metrics catalog.")]
    where: Annotated[
        Matchers, Field(description="Extra label matchers, e.g. {operation: encode} or {code: {regex: '5..'}}.")
    ] = field(default_factory=dict)
    by: Annotated[list[LabelName], Field(description="Labels to keep (group by) when aggregating.")] = field(
        default_factory=list
    )
