"""Hypothesis profiles: ``ci`` (selected when the CI environment variable is set) runs thousands of
examples per property; ``dev`` runs a quick sample; ``long`` (``HYPOTHESIS_PROFILE=long``, for a
fuzzing session of an hour or more, docs/robustness.md) ten times ``ci``. Slow properties take a
share of the budget through ``examples``, so one number sets the scale.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 3000
DEV_EXAMPLES = 100

settings.register_profile(
    "ci",
    max_examples=CI_EXAMPLES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=DEV_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=10 * CI_EXAMPLES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def examples(share: float) -> int:
    """``share`` of the profile's examples (at least 10), for properties that compile whole specs."""
    return max(10, int(settings.default.max_examples * share))
