"""The files shared by every service are assembled from each service's piece, written already
(``compilers.shared_files``; a fleet compile keeps the pieces of the services it does not load):
byte for byte what the typed config, routing table and provisioning document of the whole model
give when rendered at once, for every spec of the repository, for all of them in one model, and
for random routing sections; and a piece survives the cache (a pickle) unchanged."""

from __future__ import annotations

import pickle

import pytest
from conftest import ALL_SPECS, REPO
from hypothesis import HealthCheck, given, settings
from test_alertmanager_properties import models

from sigil_monitoring import conventions as names
from sigil_monitoring import load_spec
from sigil_monitoring.compilers import TARGETS, shared_files
from sigil_monitoring.compilers.alertmanager import build_config, routing_table
from sigil_monitoring.compilers.grafana import provisioning
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Model
from sigil_monitoring.output.render import to_yaml


def _assembled(model: Model) -> dict[str, bytes]:
    """The shared files as compile writes them: each target's ``assemble`` of every service's piece."""
    files: dict[str, bytes] = {}
    for target in TARGETS:
        shared = shared_files(target)
        if shared is not None:
            files.update((a.path, a.render()) for a in shared.assemble([shared.piece(s) for s in model.services]))
    return files


def _whole(model: Model) -> dict[str, bytes]:
    """The same files rendered from the documents of the whole model at once."""
    sources = [s.source for s in model.services]
    files = {names.GRAFANA_PROVISIONING_PATH: to_yaml(provisioning.build(model).to_json(), _header(sources))}
    if any(s.routing is not None for s in model.services):
        header = _header(list(dict.fromkeys(sources)))
        files[names.ALERTMANAGER_CONFIG_PATH] = to_yaml(build_config(model).to_wire(), header)
        table = routing_table.document(routing_table.rows(model.services))
        files[names.ALERTMANAGER_ROUTING_TESTS_PATH] = to_yaml(table, header)
    return files


def _header(sources: list[str]) -> str:
    return names.GENERATED_HEADER.format(source=", ".join(sources))


def _compared(model: Model) -> None:
    assembled, whole = _assembled(model), _whole(model)
    assert {path: data for path, data in assembled.items() if path in whole} == whole
    assert set(assembled) - set(whole) <= {names.ALERTMANAGER_TEMPLATE_PATH}


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_shared_files_assembled_from_pieces_are_the_whole_model_rendered_at_once(spec):
    _compared(build_model([load_spec(spec)]))


def test_every_spec_in_one_model_routed_and_unrouted_services_alike():
    specs, names_seen, catch_all = [], set(), None
    for path in ALL_SPECS:
        spec = load_spec(path)
        named = spec.routing.catch_all if spec.routing is not None else None
        if spec.service.name in names_seen or named is not None and catch_all is not None:
            continue  # one catch-all in a model (its unrouted services' rows name it), one spec per service
        names_seen.add(spec.service.name)
        catch_all = catch_all or named
        specs.append(spec)
    model = build_model(specs)
    assert any(s.routing is None for s in model.services) and sum(s.routing is not None for s in model.services) > 3
    assert catch_all is not None
    _compared(model)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_random_routing_sections_assemble_to_the_config_rendered_at_once(model):
    _compared(model)


def test_a_piece_is_kept_unchanged_by_the_cache():
    (service,) = build_model([load_spec(REPO / "specs" / "sigil-dna.yaml")]).services
    for target in TARGETS:
        shared = shared_files(target)
        if shared is not None:
            piece = shared.piece(service)
            assert pickle.loads(pickle.dumps(piece, protocol=pickle.HIGHEST_PROTOCOL)) == piece


def test_the_shared_paths_are_the_files_assemble_writes():
    """conventions.SHARED_PATHS (what a fleet compile never takes for a service's own files) is
    every file the shared targets assemble for a routed service, and nothing else."""
    from sigil_monitoring.conventions import SHARED_PATHS

    (service,) = build_model([load_spec(REPO / "specs" / "sigil-dna.yaml")]).services
    assert service.routing is not None
    assert set(_assembled(Model((service,)))) == SHARED_PATHS
