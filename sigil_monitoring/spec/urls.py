"""What makes a URL in a spec acceptable: absolute http(s), well formed, and free of secrets.

Alertmanager parses receiver URLs with Go's ``net/url`` (which refuses ``%zz``), Grafana and
Markdown renderers read the links; a URL that carries a password, a Slack webhook token or a
PagerDuty key would be written into files that are committed, so those are refused everywhere.

>>> url_problem("https://grafana.example.com/d/x") is None
True
>>> url_problem("https://hooks.example.com/%zz")
"the URL has '%zz', which is not a percent-escape (write % as %25, or escape the character as %XX)"
>>> url_problem("https://user:password@grafana.example.com")
'the URL carries credentials before @ (remove them; secrets go in *_file fields, never in the spec)'
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# RFC 3986 characters (unreserved, reserved and %): anything else (spaces, quotes, braces, <>,
# backslashes, non-ASCII) must be percent-encoded.
_ALLOWED = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})(.{0,2})")
# A path segment of 20+ letters and digits mixing both: how tokens and integration keys look.
_TOKEN_SEGMENT = re.compile(r"(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}")
_FIX = "write an absolute http:// or https:// URL"


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be used, as ``what (how to fix it)``, or None."""
    if not re.match(r"https?://", url):
        return f"'{url[:80]}' is not a valid URL ({_FIX})"
    if (bad := _BAD_ESCAPE.search(url)) is not None:
        return (
            f"the URL has '%{bad.group(1)}', which is not a percent-escape (write % as %25, or escape the "
            "character as %XX)"
        )
    if not _ALLOWED.fullmatch(url):
        ch = next(c for c in url if not _ALLOWED.fullmatch(c))
        return (
            f"the URL has the character {ch!r}, which URLs cannot hold as is (percent-encode it, e.g. "
            f"%{ord(ch):02X} for ASCII)"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"the URL does not parse: {exc} ({_FIX})"
    if "@" in parts.netloc:
        return "the URL carries credentials before @ (remove them; secrets go in *_file fields, never in the spec)"
    if not parts.hostname:
        return f"the URL has no host ({_FIX})"
    return None


def secret_in_url(url: str) -> str | None:
    """Why a receiver URL looks like it holds a secret (a Slack hook, a key in the path), or None.

    >>> secret_in_url("https://hooks.slack.com/services/T0/B0/XXXX")
    'this is a Slack incoming-webhook URL, itself a secret (use a slack: receiver with api_url_file)'
    >>> secret_in_url("https://events.pagerduty.com/v2/enqueue/0123456789abcdef0123456789abcdef")
    'a path segment of the URL looks like a key or token (give the bare endpoint; put the secret in a *_file field)'
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == "hooks.slack.com" or host.endswith(".hooks.slack.com"):
        return "this is a Slack incoming-webhook URL, itself a secret (use a slack: receiver with api_url_file)"
    if any(_TOKEN_SEGMENT.fullmatch(segment) for segment in parts.path.split("/")):
        return (
            "a path segment of the URL looks like a key or token (give the bare endpoint; put the secret in a "
            "*_file field)"
        )
    return None
