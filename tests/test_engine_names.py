"""Names each engine takes (values/names.py): one test per rule, its edges, the names derived from
a service name, and the Mimir tenant ``..`` that used to write rules at the output root.

The exact positioned messages for refused names are data: tests/invalid/engine-*.{yaml,err}.
"""

from __future__ import annotations

import copy
import hashlib
import posixpath
import typing
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigil_monitoring import conventions, parse_spec
from sigil_monitoring.cli import main
from sigil_monitoring.engines import check_support
from sigil_monitoring.spec.types import ServiceName
from sigil_monitoring.values import names

# (rule, names it takes, names it refuses): the edges of each engine's documented rule.
RULES = [
    (
        "mimir_tenant",
        ["anonymous", "a(b)*'!-_.c", "t" * 150, "..."],
        [".", "..", "__mimir_cluster", "t" * 151, "a/b", ""],
    ),
    ("mimir_namespace", ["my_namespace", "a.b-c", "n" * 245], [".", "..", "n" * 246, "a b", "a/b", ""]),
    ("k8s_namespace", ["monitoring", "a", "n" * 63], ["Monitoring", "-a", "a-", "n" * 64, "a.b", ""]),
    ("k8s_object_name", ["shop", "shop.rules", "a" * 253], ["-shop", "Shop", "a" * 254, "a..b", "a_b", ""]),
    (
        "k8s_label_key",
        ["team", "app.kubernetes.io/part-of", "A_b.c-D", "k" * 63, "example.com/" + "k" * 63],
        ["_team", "team_", "k" * 64, "Example.com/team", "a b", "/team", "example.com/", "a/b/c"],
    ),
    ("k8s_label_value", ["", "v1.2_beta", "v" * 63], ["v" * 64, "has space", "-v", "v.", "a/b"]),
    (
        "grafana_dashboard_folder",
        ["", "Payments / API", "t" * 189, "Généralités"],
        ["General", "general", " ", "a\nb", "a\tb", "t" * 190],
    ),
    ("grafana_alerting_folder", ["", "Payments - API", "t" * 189], ["a/b", "a\\b", "General", "a\nb", "t" * 190]),
    ("grafana_contact_point", ["grafana-default-email", "Team On-call"], ["", " ", " oncall", "oncall ", "a\nb"]),
]


@pytest.mark.parametrize(("rule", "good", "bad"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_takes_what_its_engine_takes_and_refuses_the_rest_with_a_fix(rule, good, bad):
    check = getattr(names, rule)
    assert [g for g in good if check(g) is not None] == []
    for name in bad:
        problem = check(name)
        assert problem is not None, f"{rule} took {name!r}"
        assert problem.endswith(")") and "\n" not in problem, problem  # one line, the fix in parentheses


def _spec(targets: str, links: str = "") -> str:
    return (
        "apiVersion: sigil-monitoring/v1\n"
        f"service: {{name: shop, selector: {{job: shop}}{links}}}\n"
        "metrics:\n  requests: {name: shop_requests_total, type: counter}\n"
        f"targets:\n{targets}"
    )


def test_names_at_the_edges_of_each_rule_validate_through_the_spec():
    text = _spec(
        f'  mimir: {{tenant: "a(b)*\'!-_.c", namespace: my_namespace, source_tenants: [{"t" * 150}]}}\n'
        f"  kubernetes:\n    namespace: {'n' * 63}\n    secret: shop.credentials\n"
        f"    labels: {{app.kubernetes.io/part-of: shop, tier: '', version: 1.5, {'k' * 63}: {'v' * 63}}}\n"
        "  grafana_alerting: {folder: Payments, root_contact_point: Team On-call}\n",
        ", links: {folder: Payments / API}",
    )
    spec = parse_spec(text, "edges.yaml")
    check_support([spec], [spec.targets.chosen()])  # the folder derived for alert rules is set apart
    assert dict(spec.targets.kubernetes.labels)["version"] == "1.5"
    assert spec.targets.mimir.tenant == "a(b)*'!-_.c" and spec.service.links.folder == "Payments / API"


_SERVICE_NAME = typing.get_args(ServiceName)[1].pattern  # the service name rule, from its one definition


@given(st.from_regex(_SERVICE_NAME, fullmatch=True))
def test_every_name_derived_from_a_valid_service_name_is_one_each_engine_takes(service):
    # The service name is the only spec text the compilers build engine names from, so a wider
    # service name rule must come with errors at service.name for the names it would break.
    assert names.k8s_object_name(conventions.kubernetes_object_name(service)) is None
    assert names.k8s_object_name(conventions.kubernetes_secret_name(service)) is None
    assert names.k8s_label_value(service) is None  # the `service` label on every object
    assert names.mimir_namespace(conventions.mimir_namespace(service)) is None


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_a_mimir_tenant_dot_dot_is_refused_so_check_stays_green(tmp_path, capsys):
    # The tenant is the rule file's folder: '..' wrote mimir/../shop.rules.yml, i.e. shop.rules.yml at
    # the output root, which no later compile owned, and `check` reported drift forever after.
    assert posixpath.normpath(conventions.mimir_rules_path("..", "shop")) == "shop.rules.yml"
    spec, out = tmp_path / "shop.yaml", tmp_path / "out"
    good = _spec("  mimir: {tenant: team-a}\n")
    spec.write_text(good, encoding="utf-8")
    assert main(["compile", "-q", str(spec), "--out", str(out)]) == 0
    assert main(["check", "-q", str(spec), "--out", str(out)]) == 0
    before = _snapshot(out)
    capsys.readouterr()

    spec.write_text(good.replace("team-a", "'..'"), encoding="utf-8")
    assert main(["compile", "-q", str(spec), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"{spec}:6:19: error: targets.mimir.tenant: '..' is not a tenant Mimir accepts: '.' and '..' are refused "
        "(use letters, digits and !-_.*'(), e.g. team-a)\n"
    )
    assert _snapshot(out) == before and not (out / "shop.rules.yml").exists()

    spec.write_text(good, encoding="utf-8")
    assert main(["check", "-q", str(spec), "--out", str(out)]) == 0


def _targets_doc(field: str, value: object) -> dict[str, object]:
    section, key = field.split(".")
    doc: dict[str, object] = {
        "apiVersion": "sigil-monitoring/v1",
        "service": {"name": "shop", "selector": {"job": "shop"}},
        "metrics": {"requests": {"name": "shop_requests_total", "type": "counter"}},
    }
    if section == "links":
        doc["service"] = {"name": "shop", "selector": {"job": "shop"}, "links": {key: value}}
    else:
        doc["targets"] = {section: {key: value}}
    return doc


# Each field that takes a name, with values its rule takes and values it refuses.
FIELDS = [
    ("mimir.tenant", ["a(b)*'!", "t" * 150], ["..", "t" * 151, 5]),
    ("mimir.source_tenants", [["a", "b.c"]], [["."], ["a/b"]]),
    ("mimir.namespace", ["my_namespace"], ["..", "a b"]),
    ("kubernetes.namespace", ["n" * 63], ["N", "n" * 64]),
    ("kubernetes.secret", ["a.b"], ["-a", "A"]),
    ("kubernetes.labels", [{"app.kubernetes.io/part-of": "x", "v": 1.5, "e": ""}], [{"_a": "x"}, {"a": "b c"}]),
    ("grafana_alerting.folder", ["Payments - API", ""], ["a/b", "General", "a\nb"]),
    ("grafana_alerting.root_contact_point", ["Team On-call"], ["", " x", "a\nb"]),
    ("links.folder", ["Payments / API", ""], ["General", " ", "a\tb"]),
]


@pytest.mark.parametrize(("field", "good", "bad"), FIELDS, ids=[f[0] for f in FIELDS])
def test_the_fast_validator_and_pydantic_agree_on_every_name(field, good, bad):
    from pydantic import ValidationError

    from sigil_monitoring.spec import _fast_generated as fast
    from sigil_monitoring.spec.document import Spec
    from sigil_monitoring.spec.pydantic_models import validate

    for value in good:
        doc = _targets_doc(field, value)
        assert fast.build_spec(copy.deepcopy(doc)) == validate(Spec, doc), value
    for value in bad:
        doc = _targets_doc(field, value)
        with pytest.raises(ValidationError):
            validate(Spec, copy.deepcopy(doc))
        with pytest.raises(Exception):  # noqa: B017 - refusing is how the fast path hands over to pydantic
            fast.build_spec(doc)
