"""sigil-monitoring: one YAML spec of a service compiled into its whole monitoring.

>>> from sigil_monitoring import load_spec, compile_spec
>>> bundle = compile_spec(load_spec("specs/minimal.yaml"))
>>> sorted(path for path in bundle if path.startswith("hello/"))[:2]
['hello/grafana/hello.json', 'hello/prometheus/alerts.rules.yml']
"""

from .bundle import Artifact, Bundle
from .errors import Diagnostic, SpecError
from .pipeline import compile_spec, compile_specs
from .spec.document import Spec
from .spec.loader import load_spec, parse_spec
from .write import write_bundle

__all__ = [
    "Artifact", "Bundle", "Diagnostic", "Spec", "SpecError",
    "compile_spec", "compile_specs", "load_spec", "parse_spec", "write_bundle",
]
