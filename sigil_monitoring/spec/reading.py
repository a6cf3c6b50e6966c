"""The one reader of spec and template files, and the one-line form of a message.

Here, apart from the loader, so that the template merge (``templates.py``), which the loader
calls, reads its files the way the loader reads specs without importing the loader back.
"""

from __future__ import annotations

import os

from ..errors import Diagnostic, SpecError, display_path
from ..fsread import NotRegularFile, TooLarge, read_regular
from .yaml_io import YamlProblem, limit, too_large


def read_spec(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a spec file, read as ``load_spec`` reads them: a regular file only, never more
    than ``SIGIL_MONITORING_MAX_BYTES``, never blocking (a FIFO or ``/dev/zero`` is refused at once).
    The one reader of spec files: the compile request (``output/request.py``) hashes what it returns.

    >>> read_spec("/dev/zero")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sigil_monitoring.errors.SpecError: /dev/zero:1:1: error: the spec is a character device, not a regular file ...
    """
    shown = display_path(path)
    try:
        return read_regular(path, limit("MAX_BYTES"))
    except OSError as exc:
        raise SpecError([Diagnostic(shown, 1, 1, f"cannot read the file: {exc.strerror} (check the path)")]) from None
    except NotRegularFile as exc:
        raise SpecError(
            [Diagnostic(shown, 1, 1, f"the spec is {exc.kind}, not a regular file (give the path of a .yaml file)")]
        ) from None
    except TooLarge as exc:
        raise SpecError([Diagnostic(shown, 1, 1, too_large(exc.size, exc.limit).message)]) from None
    except YamlProblem as problem:  # a malformed limit in the environment
        raise SpecError([Diagnostic(shown, 1, 1, problem.message)]) from None


def one_line(text: str) -> str:
    """``escape.one_line``, imported only for the rare message that needs it (validate does not
    otherwise load the escaping module, nor the PromQL one it imports)."""
    if text.isprintable():
        return text
    from ..escape import one_line as escaped

    return escaped(text)
