"""The loader's bounds: what it refuses before reading or recursing, and what it costs on hostile input."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sigil_monitoring import SpecError, parse_spec
from sigil_monitoring.cli import main
from sigil_monitoring.spec import salvage, yaml_io

BASE = (
    "apiVersion: sigil-monitoring/v1\nservice: {name: hello, selector: {job: hello}}\n"
    "metrics:\n  requests: {name: hello_requests_total, type: counter}\n"
)


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # A subprocess with a timeout: a regression here is a hang or a crash of the interpreter.
    return subprocess.run(
        [sys.executable, "-m", "sigil_monitoring", *argv], capture_output=True, text=True, timeout=60, env=env
    )


def test_a_fifo_as_the_spec_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    proc = _run("validate", str(fifo))
    assert proc.returncode == 2
    assert (
        proc.stderr
        == f"{fifo}:1:1: error: the spec is a FIFO (named pipe), not a regular file (give the path of a .yaml file)\n"
    )


def test_dev_zero_as_the_spec_is_refused_before_reading(capsys):
    assert main(["validate", "/dev/zero"]) == 2
    assert (
        capsys.readouterr().err
        == "/dev/zero:1:1: error: the spec is a character device, not a regular file (give the path of a .yaml file)\n"
    )


def test_a_big_file_is_read_only_up_to_the_limit(tmp_path, monkeypatch, capsys):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:  # sparse: 1 GiB on paper, read at most MAX_BYTES + 1 of it
        fh.truncate(1 << 30)
    monkeypatch.setattr(yaml_io, "MAX_BYTES", 1000)
    assert main(["validate", str(big)]) == 2
    assert capsys.readouterr().err.endswith(
        ":1:1: error: the file is 1073741824 bytes, over the 1000-byte limit (split the spec or trim it, or "
        "raise SIGIL_MONITORING_MAX_BYTES)\n"
    )


def test_the_size_limits_can_be_raised_from_the_environment(tmp_path, monkeypatch, capsys):
    spec = tmp_path / "padded.yaml"
    spec.write_text(BASE + "# padding\n" * 200)
    monkeypatch.setattr(yaml_io, "MAX_BYTES", 1000)
    assert main(["validate", "-q", str(spec)]) == 2
    monkeypatch.setenv("SIGIL_MONITORING_MAX_BYTES", "100000")
    assert main(["validate", "-q", str(spec)]) == 0
    capsys.readouterr()
    monkeypatch.setenv("SIGIL_MONITORING_MAX_VALUES", "3")
    assert main(["validate", str(spec)]) == 2
    assert (
        "the document expands to more than 3 values (remove the nested aliases, or raise SIGIL_MONITORING_MAX_VALUES"
        in capsys.readouterr().err
    )
    monkeypatch.setenv("SIGIL_MONITORING_MAX_VALUES", "lots")
    assert main(["validate", str(spec)]) == 2
    assert capsys.readouterr().err.endswith(
        ":1:1: error: SIGIL_MONITORING_MAX_VALUES='lots' is not a positive whole number (set it to a limit "
        "such as 10000000, or unset it)\n"
    )


@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_thousands_deep_is_one_positioned_error_not_a_crash(tmp_path, style):
    deep = tmp_path / "deep.yaml"
    if style == "flow":
        deep.write_text(BASE + "x: " + "[" * 40_000 + "]" * 40_000 + "\n")
        where = "5:67"
    else:
        deep.write_text(BASE + "x:\n" + "".join(" " * i + "-\n" for i in range(1, 1000)))  # 500 KB
        where = "69:65"
    proc = _run("validate", str(deep))
    assert (proc.returncode, proc.stderr) == (
        2,
        f"{deep}:{where}: error: collections nested more than 64 deep (a spec needs fewer than 10 levels; "
        "flatten the nesting)\n",
    )


def test_deep_nesting_is_caught_on_the_round_trip_path_too():
    # An anchor sends the text to ruamel's pure-Python parser, which recurses near 300 levels.
    with pytest.raises(SpecError, match="collections nested more than 64 deep"):
        parse_spec(BASE + "x: &a " + "{a: " * 300 + "1" + "}" * 300 + "\n")


def test_a_url_in_a_flow_mapping_still_loads_after_the_depth_check():
    # libyaml rejects this text; the depth check then reads ruamel's events, as the loader does.
    assert yaml_io.load("{a: http://x.com/y}") == {"a": "http://x.com/y"}


def _calls_to_load(text: str) -> int:
    """Python function calls made while loading ``text``: a measure of work that does not depend on load."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        parse_spec(text)
    except SpecError:
        pass
    finally:
        sys.setprofile(None)
    return count


def _aliases_and_one_error(n: int) -> str:
    rows = "".join("  - *r\n" for _ in range(n))
    return (
        BASE
        + "dashboard:\n  rows:\n  - &r {title: r, panels: [{text: hello}]}\n"
        + rows
        + "  - {title: bad, panels: [{nope: 1}]}\n"
    )


def test_error_salvage_is_linear_in_the_number_of_aliases():
    # Twice the aliases, twice the work (give or take): the deep copy it replaced copied every
    # alias's whole tree again per alias (4,000 aliases: about 60 s, 64 million calls).
    small, large = _calls_to_load(_aliases_and_one_error(250)), _calls_to_load(_aliases_and_one_error(500))
    assert large / small < 2.4


def test_salvaged_copies_are_plain_containers_whatever_the_loader_gave():
    copied = salvage._plain_copy(yaml_io.load_round_trip("a: &x [1, {b: 2}]\nc: *x\n"))
    assert type(copied) is dict and type(copied["a"]) is list and type(copied["c"][1]) is dict
