"""The compiler's fingerprint is the hash ``Path.rglob`` gave, found by ``os.scandir`` (issue 23's floor).

Every manifest records it, so the cheaper walk must hash the same files, names and bytes in the
same order: by path parts, which is not the order of the path strings ("a/b.py" before "a-b.py").
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sigil_monitoring.output import request


def _by_rglob(package: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


def test_the_fingerprint_is_the_rglob_hash_of_the_package():
    assert request.package_fingerprint() == _by_rglob(request._PACKAGE)


def test_the_files_come_in_rglob_order_where_parts_and_strings_disagree(tmp_path: Path):
    for rel in ("a-b.py", "a/b.py", "a/c/d.py", "a.py", "b.txt", "a/__pycache__/x.cpython-311.pyc"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    (tmp_path / "linked").symlink_to(tmp_path / "a")  # rglob descends no linked folder
    found = sorted(request._python_files(str(tmp_path)), key=lambda rel: rel.split("/"))
    assert found == [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*.py"))]
    assert found == ["a/b.py", "a/c/d.py", "a-b.py", "a.py"]


def test_the_fingerprint_is_kept_while_every_file_keeps_its_size_and_mtime(tmp_path: Path, monkeypatch):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("a = 1\n")
    (package / "sub" / "b.py").write_text("b = 2\n")
    monkeypatch.setenv("SIGIL_MONITORING_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(request, "_PACKAGE", package)

    def fingerprint() -> str:
        monkeypatch.setattr(request, "_fingerprint", [])  # a new process
        return request.package_fingerprint()

    hashed: list[object] = []
    real = request._hash_package
    monkeypatch.setattr(request, "_hash_package", lambda *args: hashed.append(args) or real(*args))
    first = fingerprint()
    assert first == _by_rglob(package) and len(hashed) == 1
    assert fingerprint() == first and len(hashed) == 1, "taken from the cache: nothing hashed again"
    (package / "sub" / "b.py").write_text("b = 3\n")  # same size, new mtime
    assert fingerprint() == _by_rglob(package) != first and len(hashed) == 2
    (package / "c.py").write_text("")  # a new file
    assert fingerprint() == _by_rglob(package) and len(hashed) == 3


def test_two_installations_compiled_in_turn_each_keep_their_own_hash(tmp_path: Path, monkeypatch):
    """Two checkouts (or pre-commit's per-repository environments) share one cache folder: each
    keeps its own fingerprint file, so switching between them hashes neither source again."""
    monkeypatch.setenv("SIGIL_MONITORING_CACHE", str(tmp_path / "cache"))
    packages = []
    for name in ("one", "two"):
        package = tmp_path / name / "sigil_monitoring"
        package.mkdir(parents=True)
        (package / "a.py").write_text(f"a = {name!r}\n")
        packages.append(package)
    hashed: list[object] = []
    real = request._hash_package
    monkeypatch.setattr(request, "_hash_package", lambda *args: hashed.append(args) or real(*args))

    def fingerprint(package: Path) -> str:
        monkeypatch.setattr(request, "_PACKAGE", package)
        monkeypatch.setattr(request, "_fingerprint", [])  # a new process
        return request.package_fingerprint()

    first = [fingerprint(p) for p in packages]
    assert len(hashed) == 2 and first[0] != first[1]
    assert [fingerprint(p) for p in packages] == first and len(hashed) == 2, "each taken from its own file"
    assert len(list((tmp_path / "cache" / "fingerprints").iterdir())) == 2
