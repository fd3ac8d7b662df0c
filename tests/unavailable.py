"""What every test folder does when a real service or real data is missing.

Tests use the real database, broker, browser and data. Where one is missing a test skips with the
reason on a developer's machine, and fails under CI (CI=true), where everything must be there.
The Node tests follow the same rule through web/test/unavailable.mjs.
"""
import os

import pytest


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
