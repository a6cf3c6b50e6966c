"""Live checks against running servers: the spec-driven simulator, fire drills, live lint, test alerts.

Everything here binds 127.0.0.1 on free ports, bounds every wait and stops what it starts. The
compilers stay pure; this package is where sigil-monitoring talks to real Prometheus and
Alertmanager processes. ``prometheus-client`` is imported only by the simulator, at its top: a
Python without it stops the drill at its first import, in the main thread, with one line.
"""
