"""A missing requirement skips a test on a reader's machine and fails it, with its name, in CI."""

from __future__ import annotations

import pytest
import test_errata
from absent import in_ci, skip_or_fail


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_in_ci_a_missing_requirement_fails_and_says_what_is_missing(monkeypatch, value: str):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="Chromium is missing"):
        skip_or_fail("Chromium is missing")


@pytest.mark.parametrize("value", [None, "", "0", "false"])
def test_outside_ci_it_is_a_skip(monkeypatch, value: str | None):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception, match="Playwright is missing"):
        skip_or_fail("Playwright is missing")


def test_a_missing_seed_article_fails_in_ci(monkeypatch, tmp_path):
    # A checkout with no shared/seed/ beside it or above it, and no FBNN_SEED_ARTICLE.
    monkeypatch.setattr(test_errata, "ROOT", tmp_path / "checkout")
    monkeypatch.delenv("FBNN_SEED_ARTICLE", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="seed article shared/seed/article.zh.md is missing"):
        test_errata.seed_article()
