"""Push, history and rollback of compiled dashboards, over either Grafana API (``Legacy`` or ``K8s``).

Safe by default: a dashboard that changed in Grafana since our last push is not overwritten.
"Our last push" is the newest version whose message starts with ``PUSH_MARKER``; when Grafana's
current version is newer (or no version is ours), the push is refused with who changed it and
when, plus the semantic diff (``semdiff``) from their version to ours, until ``--force``. The save
itself still sends the version we saw, so a change made between our read and our write is
refused by Grafana (412 version-mismatch, or 409 Conflict on the k8s API) and reported the same way.

Every function writes its report to ``out`` (stdout) and ``err`` (stderr) and returns an exit code.
What Grafana holds (authors, messages, URLs, dashboard text in diffs) is the server's text: each
field of it, and each line printed, goes through ``escape.one_line``, so no escape sequence in it is
executed and no line break in it forges a line of ours.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol, TextIO

import msgspec

from ..escape import one_line
from ..exits import Exit
from .grafana_api import RESTORE_MESSAGE, Dashboard, GrafanaError, Saved, Version

if TYPE_CHECKING:
    from .preflight import Preflight

PUSH_MARKER = "sigil-monitoring push"
ROLLBACK_MARKER = "sigil-monitoring rollback"  # a dashboard file restored by rollback --to-file


class Backend(Protocol):
    name: str

    def get(self, uid: str) -> Dashboard | None: ...
    def ensure_folder(self, uid: str, title: str) -> bool: ...
    def save(
        self,
        uid: str,
        data: dict[str, Any],
        folder_uid: str | None,
        message: str,
        current: Dashboard | None,
        force: bool,
    ) -> Saved: ...
    def versions(self, uid: str) -> list[Version]: ...
    def version_data(self, uid: str, version: int) -> dict[str, Any]: ...
    def restore(self, uid: str, version: int, current: Dashboard) -> Saved: ...
    def delete(self, uid: str) -> None: ...


class Target(msgspec.Struct, frozen=True):
    """One service's compiled dashboard and where it goes."""

    service: str
    uid: str
    path: str  # bundle path of the dashboard, names the file in diffs
    data: dict[str, Any]  # the classic JSON, or the spec of the v2 resource
    folder_uid: str | None
    folder_title: str
    message: str


class Report(msgspec.Struct, frozen=True):
    out: TextIO
    err: TextIO
    base_url: str
    quiet: bool = False

    def say(self, text: str) -> None:
        if not self.quiet:
            self.show(text + "\n")

    def show(self, text: str) -> None:
        """Lines on stdout, each escaped for the terminal."""
        self.out.write(_safe(text))

    def warn(self, text: str) -> None:
        """Lines on stderr, each escaped for the terminal."""
        self.err.write(_safe(text))

    def fail(self, service: str, err: GrafanaError, hint: str) -> Exit:
        self.warn(f"{service}: error: {err} ({hint})\n")
        return Exit.FINDINGS


def _safe(text: str) -> str:
    r"""Every line of ``text`` terminal-safe, the line breaks kept.

    >>> _safe("v2 by \x1b]0;eve\x07\n")
    'v2 by \\x1b]0;eve\\x07\n'
    """
    return "\n".join(one_line(line) for line in text.split("\n"))


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    """The dashboard without what Grafana assigns on save (numeric id, version)."""
    return {k: v for k, v in data.items() if k not in ("id", "version")}


def changes(path: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The semantic diff old → new of one dashboard, as the lines ``check`` and ``diff`` print."""
    from ..semdiff import diff_file

    def raw(d: dict[str, Any]) -> bytes:
        doc = {"spec": d} if "elements" in d else _comparable(d)  # semdiff reads v2 as a resource
        return json.dumps(doc, sort_keys=True).encode()

    return [str(c) for c in diff_file(path, raw(old), raw(new))]


def indent(lines: list[str]) -> str:
    return "".join(f"  {line}\n" for line in lines) if lines else "  (no semantic difference)\n"


def ours_last(versions: list[Version]) -> Version | None:
    """The newest version we pushed or restored from a file, or restored as the account that pushes
    (Grafana names a restore "Restored from version N" and takes no message of ours)."""
    pushers = {v.created_by for v in versions if v.message.startswith(PUSH_MARKER)}
    ours = (
        v
        for v in versions
        if v.message.startswith((PUSH_MARKER, ROLLBACK_MARKER))
        or (v.message.startswith(RESTORE_MESSAGE) and v.created_by in pushers)
    )
    return max(ours, key=lambda v: v.version, default=None)


def changed_by_others(current: Dashboard, versions: list[Version]) -> Version | None:
    """Grafana's current version when someone else saved it after our last push, else None."""
    mine = ours_last(versions)
    if mine is not None and mine.version >= current.version:
        return None
    newest = max(versions, key=lambda v: v.version, default=None)
    if newest is not None and newest.version == current.version:
        return newest
    return Version(current.version, current.updated, current.updated_by, "")


def _refusal(report: Report, target: Target, current: Dashboard, theirs: Version, mine: Version | None) -> Exit:
    who = one_line(theirs.created_by) or "someone"
    since = f"since our push of version {mine.version}" if mine else "and was never pushed by sigil-monitoring"
    note = f" with message '{one_line(theirs.message)}'" if theirs.message else ""
    report.warn(
        f"{target.service}: refused: dashboard {target.uid} was changed in Grafana by {who} at "
        f"{one_line(theirs.created) or 'an unknown time'} (version {current.version}{note}) {since}; "
        "not overwritten (put their change into the spec, or push --force to replace it)\n"
        f"{target.service}: what --force would change in their version:\n"
        + indent(changes(target.path, current.data, target.data))
    )
    return Exit.FINDINGS


def push(
    backend: Backend, target: Target, report: Report, force: bool, dry_run: bool, preflight: Preflight | None = None
) -> Exit:
    """Save ``target``; with ``dry_run`` only show what would happen, and (``preflight``) exit 1
    when a read proves the real push would be refused."""
    current = backend.get(target.uid)
    versions = backend.versions(target.uid) if current is not None else []
    theirs = changed_by_others(current, versions) if current is not None else None
    same_folder = current is not None and target.folder_uid in (None, current.folder_uid)
    unchanged = current is not None and same_folder and _comparable(current.data) == _comparable(target.data)
    if dry_run:
        if not unchanged and (theirs is None or force) and preflight is not None:
            title = str(target.data.get("title", ""))
            why = preflight.refusal(target.uid, title, target.folder_uid, current, force)
            if why:
                report.show(f"{target.service}: would refuse: {why} (dry run: nothing changed)\n")
                return Exit.FINDINGS
        return _dry_run(report, target, current, theirs, force)
    if current is not None and unchanged:
        report.say(f"{target.service}: unchanged, Grafana holds it as version {current.version}")
        return Exit.OK
    if theirs is not None and not force and current is not None:
        return _refusal(report, target, current, theirs, ours_last(versions))
    moves = target.folder_uid and (current is None or current.folder_uid != target.folder_uid)
    if moves and target.folder_uid and backend.ensure_folder(target.folder_uid, target.folder_title):
        report.say(f"{target.service}: created folder {target.folder_uid}")
    # An update that names no folder keeps Grafana's: the classic API would move it to the root.
    folder = target.folder_uid if target.folder_uid is not None or current is None else current.folder_uid or None
    try:
        saved = backend.save(target.uid, target.data, folder, target.message, current, force)
    except GrafanaError as err:
        if err.status in (409, 412) and err.reason not in ("name-exists", "AlreadyExists"):
            latest = backend.get(target.uid)  # changed between our read and our write
            if latest is not None:
                changed = changed_by_others(latest, backend.versions(target.uid))
                return _refusal(
                    report,
                    target,
                    latest,
                    changed or Version(latest.version, latest.updated, latest.updated_by, ""),
                    None,
                )
        raise
    report.say(f"{target.service}: saved version {saved.version} at {report.base_url}{one_line(saved.url)}")
    return Exit.OK


def _dry_run(report: Report, target: Target, current: Dashboard | None, theirs: Version | None, force: bool) -> Exit:
    if current is None:
        folder = f" in folder {target.folder_uid}" if target.folder_uid else ""
        report.show(f"{target.service}: would create dashboard {target.uid}{folder} (dry run: nothing changed)\n")
        return Exit.OK
    lines = changes(target.path, current.data, target.data)
    if not lines:
        report.show(f"{target.service}: unchanged, Grafana holds it as version {current.version} (dry run)\n")
        return Exit.OK
    refused = theirs is not None and not force
    if theirs is not None and refused:
        who, when = one_line(theirs.created_by) or "someone", one_line(theirs.created) or "an unknown time"
        verdict = (
            f"would refuse: version {current.version} was saved in Grafana by {who} at {when} after our last push "
            "(use --force to replace it)"
        )
    else:
        verdict = f"would update version {current.version} → {current.version + 1}"
    report.show(
        f"{target.service}: {verdict} (dry run: nothing changed); changes from Grafana's version to ours:\n"
        + indent(lines)
    )
    return Exit.FINDINGS if refused else Exit.OK


def history(backend: Backend, target: Target, report: Report) -> Exit:
    versions = sorted(backend.versions(target.uid), key=lambda v: -v.version)
    report.show(f"{target.service}: dashboard {target.uid}, {len(versions)} version(s), newest first\n")
    for v in versions:
        fields = (one_line(text) or "-" for text in (v.created, v.created_by, v.message))
        report.show(f"  v{v.version}  {'  '.join(fields)}\n")
    return Exit.OK


def rollback(backend: Backend, target: Target, report: Report, to_version: int | None, dry_run: bool) -> Exit:
    current = backend.get(target.uid)
    if current is None:
        raise GrafanaError(404, f"Dashboard {target.uid} not found")
    if to_version is None:
        older = sorted((v.version for v in backend.versions(target.uid) if v.version < current.version), reverse=True)
        if not older:
            raise GrafanaError(404, f"dashboard {target.uid} has no version before {current.version}")
        to_version = older[0]
    if to_version == current.version:
        report.say(f"{target.service}: version {to_version} is already the current version; nothing to do")
        return Exit.OK
    old = backend.version_data(target.uid, to_version)
    lines = indent(changes(target.path, current.data, old))
    if dry_run:
        report.show(
            f"{target.service}: would restore version {to_version} over version {current.version} "
            f"(dry run: nothing changed); changes:\n{lines}"
        )
        return Exit.OK
    saved = backend.restore(target.uid, to_version, current)
    report.show(
        f"{target.service}: restored version {to_version} as version {saved.version}; changes applied:\n{lines}"
    )
    return Exit.OK
