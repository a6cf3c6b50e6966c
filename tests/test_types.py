"""Static types: the package passes mypy with the configuration in pyproject.toml."""

import subprocess
import sys

from conftest import REPO


def test_the_package_type_checks_with_mypy():
    # mypy reads [tool.mypy] (files, plugins) from pyproject.toml in the working directory; its
    # cache (.mypy_cache/) brings a run from about 3 s down to about 1 s.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
