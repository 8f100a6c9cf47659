"""What a test does when something it needs is absent: skip on a reader's machine, fail in CI.

A skip in CI would hide a failure: CI (where the ``CI`` environment variable is set, as CI services and
``.ci/run`` do) must provide everything, so there the test fails and says what is missing.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(missing: str) -> NoReturn:
    """Skip the calling test because ``missing`` is absent, or fail if running in CI."""
    if in_ci():
        pytest.fail(f"{missing}; CI must provide it (.ci/run does), so this test fails instead of skipping")
    pytest.skip(missing)
