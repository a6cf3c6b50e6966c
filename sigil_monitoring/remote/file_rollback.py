"""``rollback --to-file``: put a dashboard file (the ticket's ``sigil_dashboard_v1.json``) back into
Grafana, and the two ways of sending users back to it.

- **Under its own uid** (default): the file becomes, or updates, the dashboard its uid names, in
  ``--folder-uid``, else the folder Grafana has it in, else ours (so v1 sits beside v2).
- **``--as-ours``**: the file is saved as a new version of our dashboard (the spec's uid). Every
  link to our dashboard (bookmarks, alerts' ``dashboard_url``, the runbook) now shows the file;
  Grafana keeps our version in the history, so ``rollback --previous`` or the next ``push``
  undoes it. The reversible choice, and the one that keeps the alerts' links working.
- **``--retire``**: after the file is restored under its own uid, our dashboard is deleted, so
  nobody lands on it. Refused (exit 1) when our dashboard was changed in Grafana since our last
  push, until ``--force``: deleting someone's edit is worse than overwriting it.

Each prints the semantic diff (``semdiff``) from the dashboard users saw to the file; ``--dry-run``
prints the same and writes nothing. The version message starts with ``ROLLBACK_MARKER``, which
``ship.ours_last`` counts as ours, so the next push over it is not refused.
"""

from __future__ import annotations

from pathlib import Path

from ..escape import one_line
from ..exits import Exit
from .dashboard_file import DashboardFile
from .grafana_api import Dashboard, GrafanaError
from .ship import ROLLBACK_MARKER, Backend, Report, Target, changed_by_others, changes, indent, ours_last

NO_API = "no-api"  # GrafanaError.reason: the file's format has no API on this Grafana


def restore_file(
    ours_backend: Backend,
    file_backend: Backend | None,
    target: Target,
    file: DashboardFile,
    report: Report,
    *,
    as_ours: bool,
    retire: bool,
    force: bool,
    dry_run: bool,
) -> Exit:
    """Save ``file`` through ``file_backend`` (the API of its format; None: Grafana serves none)."""
    if file_backend is None:
        raise GrafanaError(
            0,
            f"{file.path} is a {file.kind} dashboard and this Grafana serves no dashboard.grafana.app {file.kind} API",
            NO_API,
        )
    uid = target.uid if as_ours or file.uid in ("", target.uid) else file.uid
    ours = ours_backend.get(target.uid)
    current = ours if uid == target.uid else file_backend.get(uid)
    seen = current or ours  # what users see now: the dashboard replaced, else the one they move from
    where = f"dashboard {uid}" + (" (ours)" if uid == target.uid else "")
    lines = indent(changes(target.path, seen.data, file.data)) if seen is not None else "  (a new dashboard)\n"
    origin = f"from Grafana's version {seen.version} of dashboard {seen.uid}" if seen else "from nothing"
    if retire and ours is not None:
        refusal = _retire_refusal(ours_backend, target, ours, force)
        if refusal:
            report.warn(refusal)
            return Exit.FINDINGS
    if dry_run:
        verdict = f"would save {file.path} as " + (
            f"version {current.version + 1} of {where}" if current else f"new {where}"
        )
        report.show(f"{target.service}: {verdict} (dry run: nothing changed); changes {origin} to the file:\n{lines}")
        if retire and ours is not None and uid != target.uid:
            report.show(f"{target.service}: would delete dashboard {target.uid} (version {ours.version}) (dry run)\n")
        return Exit.OK
    folder = _folder(target, current, ours)
    data = {**file.data, "uid": uid} if file.kind == "classic" else file.data
    message = f"{ROLLBACK_MARKER} --to-file {Path(file.path).name}"
    saved = file_backend.save(uid, data, folder, message, current, force=False)
    report.show(
        f"{target.service}: restored {file.path} as version {saved.version} of {where} at "
        f"{report.base_url}{one_line(saved.url)}; changes {origin} to the file:\n{lines}"
    )
    if retire and ours is not None and uid != target.uid:
        ours_backend.delete(target.uid)
        report.show(f"{target.service}: deleted dashboard {target.uid} (version {ours.version}); users find {uid}\n")
    return Exit.OK


def _folder(target: Target, current: Dashboard | None, ours: Dashboard | None) -> str | None:
    if target.folder_uid is not None:
        return target.folder_uid
    for dashboard in (current, ours):
        if dashboard is not None:
            return dashboard.folder_uid or None
    return None


def _retire_refusal(backend: Backend, target: Target, ours: Dashboard, force: bool) -> str:
    """Why our dashboard may not be deleted (changed in Grafana since our last push), or ""."""
    versions = backend.versions(target.uid)
    theirs = changed_by_others(ours, versions)
    if theirs is None or force:
        return ""
    who, when = one_line(theirs.created_by) or "someone", one_line(theirs.created) or "an unknown time"
    since = "since our last push" if ours_last(versions) else "and it was never pushed by sigil-monitoring"
    return (
        f"{target.service}: refused: dashboard {target.uid} was changed in Grafana by {who} at {when} "
        f"(version {ours.version}) {since}; not deleted and nothing restored (restore without --retire, "
        "or add --force to delete their version too)\n"
    )
