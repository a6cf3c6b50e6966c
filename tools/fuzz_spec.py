r"""Coverage-guided fuzzing of the whole pipeline with atheris: bytes -> spec -> every target.

Any input must give a ``Spec`` that compiles to rule files Prometheus accepts, or a ``SpecError``;
anything else (an exception of another type, a rule file promtool would refuse, a hang, a crash)
is a bug that atheris reports with the input that caused it.

Run it (atheris: ``.venv/bin/pip install atheris``) for 10 minutes on the seed corpus::

    .venv/bin/python tools/fuzz_spec.py -max_total_time=600 -timeout=10 \
        build/fuzz-corpus specs tests/hostile tests/invalid tests/valid_compiles

``build/fuzz-corpus`` collects the inputs that reach new code; a crash is written to
``crash-<hash>`` in the working directory, and ``.venv/bin/python tools/fuzz_spec.py crash-<hash>``
replays it. ``one_input`` is importable, so tests replay the seed corpus without atheris.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def one_input(data: bytes) -> None:
    # Imported here so that main() can import them first under atheris' instrumentation.
    from sigil_monitoring import SpecError, parse_spec
    from sigil_monitoring.output.pipeline import compile_spec

    try:
        # A spec may also be refused at compile, for a feature a target it names lacks
        # (engines.problems): a user error as well, with the same well-formed lines.
        bundle = compile_spec(parse_spec(data, "fuzz.yaml"))
    except SpecError as exc:
        for d in exc.diagnostics:
            # Every error is one well-formed line: a position inside the input and a fix hint.
            assert d.line >= 1 and d.col >= 1 and "\n" not in d.message, d
        return
    check_rule_files(bundle)


def check_rule_files(bundle: dict[str, bytes]) -> None:
    """What ``promtool check rules`` would refuse in the compiled rule files, checked in-process
    (a subprocess per input would slow fuzzing a hundredfold): every expression parses as
    Prometheus 2 reads it, every annotation and label of an alert parses as a Go template."""
    import yaml

    from sigil_monitoring.gotemplate import problem
    from sigil_monitoring.promql import parses

    for path, data in bundle.items():
        if not path.endswith(".rules.yml"):
            continue
        for group in yaml.safe_load(data)["groups"]:
            for rule in group["rules"]:
                assert parses(rule["expr"]) is None, (path, rule["expr"], parses(rule["expr"]))
                templates = [*rule.get("annotations", {}).values(), *rule.get("labels", {}).values()]
                for text in templates if "alert" in rule else ():  # a record's labels are not templates
                    assert problem(text) is None, (path, text, problem(text))


def main() -> None:
    import atheris

    Path("build/fuzz-corpus").mkdir(parents=True, exist_ok=True)
    # Coverage of sigil-monitoring's own code guides the mutations (instrumenting pydantic and
    # ruamel too would take minutes to start).
    with atheris.instrument_imports(include=["sigil_monitoring"]):
        import sigil_monitoring.cli
        import sigil_monitoring.output.pipeline
        import sigil_monitoring.spec.semantic  # noqa: F401 - imported to be instrumented
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
