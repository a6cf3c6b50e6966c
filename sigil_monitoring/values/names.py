"""The names each engine accepts, by the engine's own rules: one definition of each rule.

Every rule returns ``None`` for a name the engine takes, else the message of a positioned error:
what is wrong, then how to fix it in parentheses. The spec's field types (``spec/types.py``) wrap
them as validators (``checks``), and the checks of derived names (``spec/engine_names.py``) call
them on the names the compilers would build, so a rule is written once whichever path uses it.

- Mimir tenant ids (``X-Scope-OrgID``): at most 150 characters from ``A-Za-z0-9!-_.*'()``, never
  ``.``, ``..`` or ``__mimir_cluster``
  (https://grafana.com/docs/mimir/latest/configure/about-tenant-ids/).
- Kubernetes object names are DNS-1123 subdomains (253) and namespaces DNS-1123 labels (63);
  label keys are an optional DNS subdomain prefix and ``/`` before a name of at most 63
  characters, label values at most 63 characters of the same set, or empty
  (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/,
  https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
- Grafana folder titles: not blank, at most 189 characters (the ``dashboard.title`` and
  ``folder.title`` columns are ``VARCHAR(189)``), not ``General`` (Grafana's root folder);
  Grafana-managed alert rules also refuse ``/`` and ``\\`` in their folder's title
  (grafana/grafana#54021, "Cannot contain "/" or "\\" characters"). Contact point names: not blank
  (grafana/grafana#113064), no surrounding spaces. Neither takes control characters (a newline
  in a title breaks the provisioning file's one-line fields and every list that shows it).

>>> mimir_tenant("team-a"), mimir_tenant("..")
(None, "'..' is not a tenant Mimir accepts: '.' and '..' are refused (use letters, digits and !-_.*'(), e.g. team-a)")
>>> k8s_label_key("app.kubernetes.io/name") is None, k8s_label_key("_a")
(True, "'_a' is not a Kubernetes label key: the name must start and end with a letter or digit (use letters, \
digits, '-', '_' and '.' inside, at most 63 characters, after an optional DNS prefix and '/', e.g. \
app.kubernetes.io/part-of)")
>>> print(grafana_alerting_folder("Payments / API"))
'Payments / API' is not a folder title Grafana alerting accepts: it has '/' (Grafana-managed alert rules refuse '/' \
and '\\' in their folder's title; write e.g. 'Payments - API')
"""

from __future__ import annotations

import re
import unicodedata

MIMIR_TENANT_MAX = 150
MIMIR_NAMESPACE_MAX = 245  # a file name of at most 255 bytes, with ".rules.yml"
DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253
LABEL_NAME_MAX = 63
GRAFANA_TITLE_MAX = 189

_FILE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_TENANT = re.compile(r"[A-Za-z0-9!_.*'()-]+")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_PART = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_TENANT_FIX = "use letters, digits and !-_.*'(), e.g. team-a"
_LABEL_KEY_FIX = (
    "use letters, digits, '-', '_' and '.' inside, at most 63 characters, after an optional DNS prefix and '/', "
    "e.g. app.kubernetes.io/part-of"
)


def shown(text: str) -> str:
    """``text`` quoted for a message, control characters escaped and long text cut.

    >>> shown("a\\nb"), shown("x" * 50)
    ("'a\\\\nb'", "'xxxxxxxxxxxxxxxxxxxx...' (50 characters)")
    """
    escaped = text.encode("unicode_escape").decode("ascii") if _control(text) else text
    return f"'{escaped[:20]}...' ({len(text)} characters)" if len(text) > 40 else f"'{escaped}'"


def _control(text: str) -> str | None:
    """The first control character in ``text`` (newline, tab, escape, ...), if any."""
    return next((c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)


def mimir_tenant(text: str) -> str | None:
    """Problem with a Mimir tenant id, or None.

    >>> mimir_tenant("a(b)*'!"), mimir_tenant("t" * 151)[:60]
    (None, "'tttttttttttttttttttt...' (151 characters) is not a tenant M")
    >>> mimir_tenant("a/b")
    "'a/b' is not a tenant Mimir accepts: it has '/' (use letters, digits and !-_.*'(), e.g. team-a)"
    """
    what = f"{shown(text)} is not a tenant Mimir accepts"
    if text in (".", ".."):
        return f"{what}: '.' and '..' are refused ({_TENANT_FIX})"
    if text == "__mimir_cluster":
        return f"{what}: Mimir uses the name itself ({_TENANT_FIX})"
    if len(text) > MIMIR_TENANT_MAX:
        return f"{what}: it has more than {MIMIR_TENANT_MAX} characters ({_TENANT_FIX})"
    if not _TENANT.fullmatch(text):
        bad = next((c for c in text if not _TENANT.fullmatch(c)), None)
        return f"{what}: {_char(bad)} ({_TENANT_FIX})"
    return None


def mimir_namespace(text: str) -> str | None:
    """Problem with a Mimir ruler namespace, or None. Mimir takes any text, but here the namespace
    also names the file ``mimir/<tenant>/<namespace>.rules.yml``, and a file name has at most 255 bytes.

    >>> mimir_namespace("my_namespace"), mimir_namespace("..")[:52]
    (None, "'..' is not a ruler namespace this target can write:")
    """
    what = f"{shown(text)} is not a ruler namespace this target can write"
    fix = f"use at most {MIMIR_NAMESPACE_MAX} letters, digits, '-', '_' and '.', e.g. payments"
    if text in (".", ".."):
        return f"{what}: it would name a folder, not a file ({fix})"
    if len(text) > MIMIR_NAMESPACE_MAX:
        return f"{what}: it has more than {MIMIR_NAMESPACE_MAX} characters ({fix})"
    if not _FILE_NAME.fullmatch(text):
        return f"{what}: {_char(next((c for c in text if not _FILE_NAME.fullmatch(c)), None))} ({fix})"
    return None


def _char(c: str | None) -> str:
    return "it is empty" if c is None else f"it has '{c.encode('unicode_escape').decode('ascii')}'"


def k8s_namespace(text: str) -> str | None:
    """Problem with a Kubernetes namespace (a DNS-1123 label), or None.

    >>> k8s_namespace("monitoring"), k8s_namespace("Obs")
    (None, "'Obs' is not a valid Kubernetes namespace (use at most 63 lowercase letters, digits and '-', starting \
and ending with a letter or digit, e.g. monitoring)")
    """
    return _k8s(text, _DNS_LABEL, DNS_LABEL_MAX, "valid Kubernetes namespace", "lowercase letters, digits and '-'")


def _k8s(
    text: str, pattern: re.Pattern[str], limit: int, what: str, chars: str, then: str = "e.g. monitoring"
) -> str | None:
    """The Kubernetes API's check of a name: at most ``limit`` ``chars``, alphanumeric at both ends."""
    if len(text) <= limit and pattern.fullmatch(text):
        return None
    ends = "starting and ending with a letter or digit"
    return f"{shown(text)} is not a {what} (use at most {limit} {chars}, {ends}, {then})"


def k8s_object_name(text: str) -> str | None:
    """Problem with a Kubernetes object name (``metadata.name``: a DNS-1123 subdomain), or None.

    >>> k8s_object_name("sigil-dna.rules"), k8s_object_name("-x")[:40]
    (None, "'-x' is not a valid Kubernetes object na")
    """
    chars = "lowercase letters, digits, '-' and '.'"
    return _k8s(
        text, _DNS_SUBDOMAIN, DNS_SUBDOMAIN_MAX, "valid Kubernetes object name", chars, "e.g. shop-alertmanager"
    )


def k8s_label_key(text: str) -> str | None:
    """Problem with a Kubernetes label key, or None.

    >>> k8s_label_key("team"), k8s_label_key("example.com/Team_1.x")
    (None, None)
    >>> k8s_label_key("Example.com/team")[:70]
    "'Example.com/team' is not a Kubernetes label key: the prefix must be a"
    """
    prefix, slash, name = text.rpartition("/")
    what = f"{shown(text)} is not a Kubernetes label key"
    if slash and not (len(prefix) <= DNS_SUBDOMAIN_MAX and _DNS_SUBDOMAIN.fullmatch(prefix)):
        return f"{what}: the prefix must be a lowercase DNS name like example.com ({_LABEL_KEY_FIX})"
    if len(name) > LABEL_NAME_MAX:
        return f"{what}: the name after the prefix has more than {LABEL_NAME_MAX} characters ({_LABEL_KEY_FIX})"
    if not _LABEL_PART.fullmatch(name):
        if re.fullmatch(r"[-A-Za-z0-9_.]+", name):
            return f"{what}: the name must start and end with a letter or digit ({_LABEL_KEY_FIX})"
        bad = next((c for c in name if not re.fullmatch(r"[-A-Za-z0-9_.]", c)), None)
        return f"{what}: {_char(bad)} ({_LABEL_KEY_FIX})"
    return None


def k8s_label_value(text: str) -> str | None:
    """Problem with a Kubernetes label value (empty is fine), or None.

    >>> k8s_label_value(""), k8s_label_value("v1.2_beta"), k8s_label_value("b c")
    (None, None, "'b c' is not a Kubernetes label value (use at most 63 letters, digits, '-', '_' and '.', starting \
and ending with a letter or digit, or leave it empty)")
    """
    if not text:
        return None
    chars = "letters, digits, '-', '_' and '.'"
    return _k8s(text, _LABEL_PART, LABEL_NAME_MAX, "Kubernetes label value", chars, "or leave it empty")


def grafana_dashboard_folder(text: str) -> str | None:
    """Problem with the title of a dashboards' folder, or None.

    >>> grafana_dashboard_folder("Payments / API"), grafana_dashboard_folder("general")[:60]
    (None, "'general' is the name of Grafana's root folder (leave folder")
    >>> print(grafana_dashboard_folder("a\\nb"))
    'a\\nb' is not a folder title Grafana accepts: it has '\\n' (write the title on one line, without control \
characters)
    """
    return _folder(text, alerting=False)


def grafana_alerting_folder(text: str) -> str | None:
    """Problem with the title of an alert rules' folder, or None."""
    return _folder(text, alerting=True)


def _folder(text: str, *, alerting: bool) -> str | None:
    if not text:
        return None  # no folder: the dashboards' root folder, the alert rules' default one
    where = "Grafana alerting" if alerting else "Grafana"
    what = f"{shown(text)} is not a folder title {where} accepts"
    if not text.strip():
        return f"{what}: it is blank (give a title, e.g. Payments)"
    if (c := _control(text)) is not None:
        return f"{what}: {_char(c)} (write the title on one line, without control characters)"
    if len(text) > GRAFANA_TITLE_MAX:
        return f"{what}: it has more than {GRAFANA_TITLE_MAX} characters (shorten it)"
    if text.strip().casefold() == "general":
        return f"{shown(text)} is the name of Grafana's root folder (leave folder empty to use it, or name another)"
    if alerting and (c := next((c for c in text if c in "/\\"), None)) is not None:
        return (
            f"{what}: {_char(c)} (Grafana-managed alert rules refuse '/' and '\\' in their folder's title; "
            f"write e.g. {text.replace('/', '-').replace(chr(92), '-')!r})"
        )
    return None


def grafana_contact_point(text: str) -> str | None:
    """Problem with a Grafana contact point name, or None.

    >>> grafana_contact_point("grafana-default-email"), grafana_contact_point(" x")
    (None, "' x' is not a contact point name Grafana accepts: it starts or ends with a space (remove the spaces)")
    """
    what = f"{shown(text)} is not a contact point name Grafana accepts"
    if not text.strip():
        return f"{what}: it is blank (name a contact point, e.g. grafana-default-email)"
    if (c := _control(text)) is not None:
        return f"{what}: {_char(c)} (write the name on one line, without control characters)"
    if text != text.strip():
        return f"{what}: it starts or ends with a space (remove the spaces)"
    return None
