"""The fleet cache keeps of each service only the fragment the shared files are compiled from
(output/service_cache.fragment): compiled from fragments, those files are byte for byte what the
whole services give, for every spec of the repository and its exporter examples."""

from __future__ import annotations

import pytest
from conftest import ALL_SPECS, REPO

from sigil_monitoring import load_spec
from sigil_monitoring.compilers import TARGETS, shared_compiler
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Model
from sigil_monitoring.output import service_cache
from sigil_monitoring.output.pipeline import render_all


def _shared(services: tuple[object, ...]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for target in TARGETS:
        shared = shared_compiler(target)
        if shared is not None:
            render_all(shared(Model(services)), files)  # type: ignore[arg-type]
    return files


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_shared_files_from_fragments_are_those_of_whole_services(spec):
    services = build_model([load_spec(spec)]).services
    whole = _shared(services)
    assert whole, "every spec has a provisioning file at least"
    assert _shared(tuple(service_cache.fragment(s) for s in services)) == whole


def test_a_fragment_is_smaller_than_its_service():
    import pickle

    (service,) = build_model([load_spec(REPO / "specs" / "sigil-dna.yaml")]).services
    assert len(pickle.dumps(service_cache.fragment(service))) < 0.7 * len(pickle.dumps(service))
