"""References from SLOs, alerts and panels to the metrics catalog.

A reference is either the logical name alone (``errors``) or a mapping that narrows it
(``{metric: errors, where: {operation: encode}}``); both mean the same model.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from . import checks
from .types import LabelName, LogicalName, Matchers, SpecModel


class MetricRef(SpecModel):
    metric: LogicalName = Field(description="Logical name from the metrics catalog.")
    where: Matchers = Field(
        default_factory=dict, description="Extra label matchers, e.g. {operation: encode} or {code: {regex: '5..'}}."
    )
    by: list[LabelName] = Field(default_factory=list, description="Labels to keep (group by) when aggregating.")


Ref = Annotated[MetricRef, BeforeValidator(checks.coerce_ref, json_schema_input_type=LogicalName | MetricRef)]
