"""Children that die with us: server processes that even a SIGKILL of sigil-monitoring takes along.

Why: a CI job's timeout sends SIGKILL, which no handler, ``finally`` or ``atexit`` ever sees;
Prometheus and Alertmanager then stayed running and listening after the drill was gone. On Linux
each child asks the kernel, between fork and exec, to be sent SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, see prctl(2)). Three details make that hold:

- The kernel sends the signal when the *thread* that forked the child ends, not the process. So
  every child is forked by one thread that lives as long as the process (``_Spawner``), whatever
  thread asks for it: a drill or test that starts a server from a short-lived worker thread keeps it.
- A parent that died between the fork and the ``prctl`` call never sends the signal: the child
  compares ``getppid()`` with the pid recorded before the fork and kills itself when they differ.
- Children stay in the caller's process group, so a kill of the whole group (a terminal's Ctrl-C,
  ``timeout``, CI runners that kill the job's group) reaches them at the same time.

``prctl`` is reached through ctypes, loaded only here (the live commands), resolved before the
fork so that the child only makes the call. Where there is no ``prctl`` (not Linux, or a Python
without ctypes) children are started plainly; ``leftovers.reap_stale`` is the second line there.

>>> proc = popen(["true"])
>>> proc.wait()
0
"""

from __future__ import annotations

import functools
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

Prctl = Callable[[int, int, int, int, int], int]


@functools.cache
def _prctl() -> Prctl | None:
    """libc's ``prctl``, typed, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    function.restype = ctypes.c_int
    prctl: Prctl = function
    return prctl


def tie_to(parent: int, prctl: Prctl) -> Callable[[], None]:
    """The ``preexec_fn`` that ties a child to ``parent`` (runs in the child, between fork and exec).

    A parent already gone is the race the kernel cannot cover; the child then does what the
    kernel would have done:

    >>> import subprocess
    >>> stranger = os.getpid() + 1_000_000  # a pid that is not the child's parent
    >>> subprocess.Popen(["sleep", "60"], preexec_fn=tie_to(stranger, _prctl())).wait() == -signal.SIGKILL
    True
    """

    def tie() -> None:
        # A failed prctl leaves the child unprotected but working; leftovers.reap_stale stays.
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    return tie


Job = tuple[Sequence[str], dict[str, Any], "Future[subprocess.Popen[bytes]]"]


class _Spawner:
    """One daemon thread that forks every child, so no child's parent thread ends before the process."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def popen(self, args: Sequence[str], kwargs: dict[str, Any]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="sigil-spawner", daemon=True)
                self._thread.start()
        done: Future[subprocess.Popen[bytes]] = Future()
        self._jobs.put((args, kwargs, done))
        try:
            return done.result()
        except KeyboardInterrupt:
            # Ctrl-C while the spawner forks: the child must not outlive the start it belonged to.
            try:
                proc = done.result(timeout=10)
            except BaseException:  # it failed to start, or took too long: nothing to stop here
                raise KeyboardInterrupt from None
            proc.kill()
            proc.wait()
            raise

    def _serve(self) -> None:
        while True:
            args, kwargs, done = self._jobs.get()
            try:
                done.set_result(_popen_here(args, kwargs))
            except BaseException as exc:  # the asker raises it (a missing binary, a bad cwd)
                done.set_exception(exc)


def _popen_here(args: Sequence[str], kwargs: dict[str, Any]) -> subprocess.Popen[bytes]:
    prctl = _prctl()
    if prctl is None:
        return subprocess.Popen(args, **kwargs)
    return subprocess.Popen(args, preexec_fn=tie_to(os.getpid(), prctl), **kwargs)


_SPAWNER = _Spawner()


def popen(args: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(args, **kwargs)`` (bytes), the child killed by the kernel when this process dies."""
    return _SPAWNER.popen(args, kwargs)
