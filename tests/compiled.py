"""Compile specs with one target into a folder, as the tests that run promtool on the output need."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sigil_monitoring import parse_spec
from sigil_monitoring.compilers import compiler
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Model
from sigil_monitoring.output.bundle import Artifact


def write_artifacts(artifacts: Iterable[Artifact], root: Path) -> None:
    for artifact in artifacts:
        (root / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (root / artifact.path).write_bytes(artifact.render())


def prometheus_rules(spec_text: str, name: str, root: Path) -> tuple[Model, Path]:
    """Compile one spec's Prometheus output under ``root``; its model and its service's folder."""
    model = build_model([parse_spec(spec_text, f"{name}.yaml")])
    write_artifacts(compiler("prometheus")(model), root)
    return model, root / model.services[0].name / "prometheus"
