"""The errata registry and the recomputed numbers of the article's example and listing.

Expected values are derived here independently: logarithms from a table of hand-checked decimals,
gradients by finite differences, Keras's loss from the example in its documentation.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml
from absent import skip_or_fail

from fbnn import casestudy as cs
from fbnn import errata
from fbnn.datasets import article_listing_data

ROOT = Path(__file__).resolve().parent.parent

# Natural logarithms to 10 decimals (from tables; checked against nothing in fbnn).
LN = {0.8: -0.2231435513, 0.9: -0.1053605157, 0.1: -2.3025850930, 0.2: -1.6094379124, 0.3: -1.2039728043}
LN10 = 2.3025850930


def seed_article() -> str:
    """The article's text: $FBNN_SEED_ARTICLE, or shared/seed/article.zh.md beside the repository or one of
    its parent folders (the course keeps shared/ next to its checkout). Skips the test if it is absent,
    and fails it in CI."""
    candidates = [Path(os.environ["FBNN_SEED_ARTICLE"])] if "FBNN_SEED_ARTICLE" in os.environ else []
    candidates += [folder / "shared" / "seed" / "article.zh.md" for folder in ROOT.parents]
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    skip_or_fail(
        "the seed article shared/seed/article.zh.md is missing: it is not beside the repository or a parent "
        "folder, and FBNN_SEED_ARTICLE does not name it"
    )


def toc_stems() -> set[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return {Path(f).name for f in files}


def _hand_bce() -> float:
    # a = [.8, .9, .1, .2, .3], y = [1, 0, 1, 0, 1]: the loss terms are -ln of .8, .1, .1, .8, .3.
    return -(LN[0.8] + LN[0.1] + LN[0.1] + LN[0.8] + LN[0.3]) / 5


# The logarithms the article prints in §4.4 for ln 0.8, ln 0.1, ln 0.3: inputs quoted from it, not results.
ARTICLE_LOGS = {0.8: -0.22314, 0.1: -0.47712, 0.3: -0.40547}


def _listing_y() -> np.ndarray:
    return article_listing_data(0)[1]


# Independent expectations for every numeric record: {id: value or {name: value}}.
EXPECTED = {
    "4.3-sizes": {
        "text": 100 * 50 + 50 + 50 * 10 + 10,
        "listing": 100 * 100 + 100 + 100 * 50 + 50 + 50 * 10 + 10,
    },
    "4.4-data": 0.8 + 0.9 + 0.1 + 0.2 + 0.3,  # the article's a3, summed
    "4.4-sign": -(LN[0.8] + LN[0.1] + LN[0.3]) / 5,
    "4.4-log-0.8": LN[0.8],
    "4.4-log-0.1": LN[0.1],
    "4.4-log-0.3": LN[0.3],
    # A term is 1/5 of the logarithm the article prints; its reading keeps the y = 1 terms (a = .8, .1, .3).
    "4.4-term-1": 0.2 * ARTICLE_LOGS[0.8],
    "4.4-term-2": {
        "product": 0.2 * ARTICLE_LOGS[0.1],
        "rounded": round(0.2 * ARTICLE_LOGS[0.1], 5),
        "value": 0.2 * LN[0.1],
    },
    "4.4-term-3": {"product": 0.2 * ARTICLE_LOGS[0.3], "value": 0.2 * LN[0.3]},
    "4.4-loss": {"reading": -(LN[0.8] + LN[0.1] + LN[0.3]) / 5, "value": _hand_bce()},
    "4.4-sigmoid-derivative": [0.09, 0.16, 0.21, 0.24, 0.25],
    "4.4-product": {"value": [-0.01, -0.04, -0.09, -0.16, -0.25], "dot": -0.55},
    "4.4-delta": [-0.04, 0.18, -0.18, 0.04, -0.14],
    "4.4-update-W": [-0.004, -0.008, -0.012, -0.016, -0.02],
    "4.4-update-b": None,  # checked by test_gradient_step_lowers_the_loss (needs a step computed by hand)
    "5.2-input-layer": 15660,
    "5.2-labels": None,  # depends on the seeded draw: checked in test_listing_numbers
    "5.4-progress": 10,
    "5.2-fit": 100,
    "5.4-timing": 0.09,
    "5.4-loss": None,  # checked in test_listing_numbers
    # First argmax at 0: x_0 = v and the nine others <= v; at 9: the nine others < v. Sum over v = 0..9.
    "5.4-accuracy": {
        "high": sum((v + 1) ** 9 for v in range(10)) / 10**10,
        "low": sum(v**9 for v in range(10)) / 10**10,
    },
}


def test_verdicts_ids_and_fields():
    ids = [r.id for r in errata.RECORDS]
    assert len(ids) == len(set(ids))
    for r in errata.RECORDS:
        assert r.verdict in errata.VERDICTS, r.id
        assert r.section and r.quote and r.correction, r.id
    with pytest.raises(ValueError, match="verdict"):
        errata.Record("x", "§0", "q", "maybe", "c", "model")
    with pytest.raises(ValueError, match="placeholder"):
        errata.Record("x", "§0", "q", "wrong", "is {{value}}", "model")
    with pytest.raises(ValueError, match="one paragraph"):
        errata.Record("x", "§0", "q", "wrong", "one.\n\ntwo.", "model")


def test_every_chapter_stem_is_in_the_toc():
    stems = toc_stems()
    missing = {r.id: r.chapter for r in errata.RECORDS if r.chapter not in stems}
    assert not missing, f"records point to pages not in _toc.yml: {missing}"


def test_every_section_of_the_article_is_covered():
    sections = {r.section.split(".")[0] for r in errata.RECORDS}
    for needed in [
        "keywords",
        "abstract",
        "§1",
        "§2",
        "§3",
        "§4",
        "§5",
        "§6",
        "§7",
        "§8",
        "§9",
        "references",
    ]:
        assert needed in sections, needed
    # §4.4 and §5.4 print the numbers the issue asks to cover one by one.
    printed = {r.printed for r in errata.RECORDS if r.printed}
    for number in [
        "-0.47712",
        "-0.40547",
        "-0.04646",
        "-0.09544",
        "-0.08109",
        "-0.22299",
        "2.3026",
        "100/100",
    ]:
        assert number in printed, number


def test_every_numeric_record_has_an_independent_expectation():
    numeric = {r.id for r in errata.RECORDS if r.numeric}
    assert numeric == set(EXPECTED), numeric ^ set(EXPECTED)


@pytest.mark.parametrize("rid", [k for k, v in EXPECTED.items() if v is not None])
def test_recomputation_matches_hand_derivation(rid):
    value = errata.get(rid).value()
    expected = EXPECTED[rid]
    if isinstance(expected, dict):
        assert set(value) == set(expected)
        for key, exp in expected.items():
            np.testing.assert_allclose(np.asarray(value[key], float), exp, rtol=1e-8, atol=2e-9, err_msg=key)
    else:
        np.testing.assert_allclose(np.asarray(value, float), expected, rtol=1e-8, atol=2e-9)


def test_correction_texts_are_filled_and_show_the_value():
    for r in errata.RECORDS:
        text = r.correction_text()
        assert not re.search(r"\{\{[a-z0-9_]+\}\}", text), r.id
    assert "-2.302585" in errata.get("4.4-log-0.1").correction_text()
    assert "1.251086" in errata.get("4.4-loss").correction_text()


def test_a_changed_value_changes_the_text(monkeypatch):
    monkeypatch.setattr(cs, "full_bce", lambda *a, **k: 9.5)
    assert "9.5" in errata.get("4.4-loss").correction_text()


def test_render_table_has_one_row_per_record_with_links():
    table = errata.render_table()
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| § |")]
    assert len(rows) == len(errata.RECORDS)
    stems = toc_stems()
    for row, r in zip(rows, errata.RECORDS, strict=True):
        cells = re.split(r"(?<!\\)\|", row)[1:-1]
        assert len(cells) == 4, row
        assert cells[0].strip() == r.section.replace("|", "\\|")
        assert f"**{r.verdict}**" in cells[2]
        link = re.search(r"See \{ref\}`([\w ]+) <erratum-([^>]+)>`\. $", cells[3])
        assert link and link.group(2) == r.id and link.group(1) == r.chapter.replace("_", " ")
        assert r.chapter in stems
    plain = errata.render_table(links=False)
    assert "{doc}" not in plain and "{cite}" not in plain and "{ref}" not in plain


def test_verdict_counts_add_up():
    counts = errata.verdict_counts()
    assert list(counts) == list(errata.VERDICTS)
    assert sum(counts.values()) == len(errata.RECORDS)
    assert all(v > 0 for v in counts.values())


def test_format_value():
    assert errata.format_value(5560) == "5560"
    assert errata.format_value(-2.302585092994046) == "-2.302585"
    assert errata.format_value(np.array([0.09, 0.16])) == "[0.09, 0.16]"


# ------------------------------------------------------------------ casestudy


def test_param_counts_by_hand():
    assert cs.dense_param_count([2, 3, 1]) == 2 * 3 + 3 + 3 * 1 + 1
    with pytest.raises(ValueError):
        cs.dense_param_count([5])
    with pytest.raises(ValueError):
        cs.dense_param_count([5, 0])


def test_losses_against_hand_logs():
    assert cs.full_bce() == pytest.approx(_hand_bce(), abs=1e-9)
    assert cs.article_reading_loss() == pytest.approx(-(LN[0.8] + LN[0.1] + LN[0.3]) / 5, abs=1e-9)
    terms = cs.bce_terms()
    np.testing.assert_allclose(terms, [-LN[0.8], -LN[0.1], -LN[0.1], -LN[0.8], -LN[0.3]], atol=1e-9)


def test_printed_log_sources():
    sources = cs.printed_log_sources()
    for printed, (_, exact) in sources.items():
        assert abs(exact - printed) < 5e-6  # each printed value is this expression, rounded to 5 places
    assert abs(math.log10(0.1) - -0.47712) > 0.5 and abs(LN[0.1] - -0.47712) > 1
    assert abs(LN[0.3] - -0.40547) > 0.5


def _bce_of_logits(z):
    a = 1 / (1 + np.exp(-z))
    return float(np.mean(-(cs.Y * np.log(a) + (1 - cs.Y) * np.log(1 - a))))


def test_output_delta_equals_finite_differences():
    z = np.log(cs.A3 / (1 - cs.A3))
    h = 1e-6
    fd = np.array([(_bce_of_logits(z + h * e) - _bce_of_logits(z - h * e)) / (2 * h) for e in np.eye(5)])
    np.testing.assert_allclose(cs.output_delta(), fd, atol=1e-8)
    np.testing.assert_allclose(cs.grad_b3(), fd, atol=1e-8)


def test_grad_W3_equals_finite_differences_for_an_explicit_layer():
    # Any W and b with W a2 + b = logit(a3) reproduce the example; take a random W and solve for b.
    rng = np.random.default_rng(3)
    W = rng.normal(size=(5, 5))
    b = np.log(cs.A3 / (1 - cs.A3)) - W @ cs.A2

    def loss(Wm):
        return _bce_of_logits(Wm @ cs.A2 + b)

    h = 1e-6
    fd = np.zeros((5, 5))
    for i in range(5):
        for j in range(5):
            E = np.zeros((5, 5))
            E[i, j] = h
            fd[i, j] = (loss(W + E) - loss(W - E)) / (2 * h)
    np.testing.assert_allclose(cs.grad_W3(), fd, atol=1e-8)


def test_gradient_step_lowers_the_loss_and_matches_an_explicit_update():
    rng = np.random.default_rng(4)
    W = rng.normal(size=(5, 5))
    b = np.log(cs.A3 / (1 - cs.A3)) - W @ cs.A2
    delta = (cs.A3 - cs.Y) / 5
    alpha = 0.7
    W2, b2 = W - alpha * np.outer(delta, cs.A2), b - alpha * delta
    step = cs.gradient_step(alpha)
    np.testing.assert_allclose(step["z_new"], W2 @ cs.A2 + b2, atol=1e-12)
    assert step["loss_new"] == pytest.approx(_bce_of_logits(W2 @ cs.A2 + b2), abs=1e-12)
    assert step["loss_new"] < step["loss"]
    default = cs.gradient_step()
    assert errata.get("4.4-update-b").value() == pytest.approx(default["loss_new"])
    assert default["loss_new"] < default["loss"] == pytest.approx(_hand_bce(), abs=1e-9)
    with pytest.raises(ValueError):
        cs.gradient_step(0.0)


def test_sigmoid_derivative_by_finite_differences():
    z = np.log(cs.A2 / (1 - cs.A2))
    h = 1e-6
    fd = (1 / (1 + np.exp(-(z + h))) - 1 / (1 + np.exp(-(z - h)))) / (2 * h)
    np.testing.assert_allclose(cs.sigmoid_derivative(), fd, atol=1e-9)


def test_keras_loss_matches_the_documented_example():
    # tf.keras.backend.categorical_crossentropy docs: per-row losses 0.10536055, 0.8046684, 0.06187541.
    a = np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1]])
    b = np.array([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]])
    expected = np.mean([0.10536055, 0.8046684, 0.06187541])
    assert cs.keras_categorical_crossentropy(a, b) == pytest.approx(expected, rel=1e-6)


def test_listing_numbers():
    y = _listing_y().astype(float)
    row_sums = y.sum(axis=1)
    uniform = errata.get("5.4-loss").value()
    assert uniform["value"] == pytest.approx(row_sums.mean() * LN10, rel=1e-9)
    assert uniform["ln10"] == pytest.approx(LN10, abs=1e-9)
    assert errata.get("5.2-labels").value() == pytest.approx(row_sums.mean())
    # The floor is attained at p = y / S and no other prediction goes below it.
    floor = uniform["floor"]
    at_best = np.mean(
        [-sum(v * math.log(v / s) for v in row if v > 0) for row, s in zip(y, row_sums, strict=True)]
    )
    assert floor == pytest.approx(at_best, rel=1e-9)
    rng = np.random.default_rng(5)
    for _ in range(20):
        p = rng.dirichlet(np.ones(10), size=100)
        assert cs.keras_categorical_crossentropy(y, p) >= floor
    assert 80 < floor < uniform["value"] < 120


def test_steps_per_epoch():
    assert cs.keras_steps_per_epoch(100, 10) == 10
    assert cs.keras_steps_per_epoch(101, 10) == 11
    with pytest.raises(ValueError):
        cs.keras_steps_per_epoch(100, 0)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="shape"):
        cs.full_bce([0.5, 0.5], [1.0])
    with pytest.raises(ValueError, match="probabilities"):
        cs.full_bce([0.0, 0.5], [1.0, 0.0])
    with pytest.raises(ValueError, match="shape"):
        cs.keras_categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4)))


def test_every_step_size_lowers_the_example_loss():
    # Each pre-activation moves towards its 0/1 target, so the loss falls monotonically in alpha,
    # even when the outputs round to exactly 0 or 1 (the loss is computed from the logits).
    alphas = np.linspace(0.01, 200, 400)
    after = np.array([cs.gradient_step(a)["loss_new"] for a in alphas])
    assert np.all(np.isfinite(after)) and np.all(np.diff(after) < 0) and after[0] < cs.full_bce()


def test_every_number_printed_in_sections_4_and_5_is_in_the_registry():
    # Read the numbers straight from the article, so a number the registry forgot cannot go unnoticed.
    text = seed_article()
    body = text[text.index("## 4. ") : text.index("## 6. ")]
    body = re.sub(r"^#+ .*$", "", body, flags=re.MULTILINE)  # section headings are not claims
    numbers = set(re.findall(r"-?\d+(?:\.\d+)?", body))
    haystack = " ".join(f"{r.quote} {r.printed} {r.correction}" for r in errata.RECORDS)
    missing = sorted(n for n in numbers if n not in haystack)
    assert not missing, f"numbers of §4-5 with no errata record: {missing}"


def test_first_argmax_probabilities_by_hand_and_by_sampling():
    # Two entries in {0, 1}: the first position wins unless (0, 1), so 3/4 and 1/4.
    np.testing.assert_allclose(cs.first_argmax_probabilities(2, 2), [0.75, 0.25], atol=1e-15)
    p = cs.first_argmax_probabilities()
    assert p.shape == (10,) and p.sum() == pytest.approx(1.0) and np.all(np.diff(p) < 0)
    rows = np.random.default_rng(6).integers(0, 10, size=(200_000, 10))
    freq = np.bincount(rows.argmax(axis=1), minlength=10) / len(rows)
    np.testing.assert_allclose(freq, p, atol=0.004)  # about 5 standard errors


def _plain(text: str) -> str:
    return re.sub(r"\*\*|`|\$", "", text)


def test_every_chinese_quote_is_in_the_article():
    text = _plain(seed_article())
    for r in errata.RECORDS:
        # Every run of Chinese text (formulas in quotes are transliterated, so only the Chinese is compared).
        for frag in re.findall(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef（）]{2,}", r.quote):
            assert frag in text, (r.id, frag)


# ------------------------------------------------------------------ the data file


def test_a_repeated_claim_keeps_its_verdict():
    # The article repeats some claims (§1 in §9, §3.3 in §8.3, §7.3 in its references): one verdict per claim.
    repeats = [r for r in errata.RECORDS if r.same_as]
    assert len(repeats) >= 6
    for r in repeats:
        first = errata.get(r.same_as)
        assert r.verdict == first.verdict, (r.id, r.verdict, first.id, first.verdict)
        assert errata.RECORDS.index(first) < errata.RECORDS.index(r)


def test_one_record_per_claim():
    # Two records with the same quote in the same section would be the same claim judged twice.
    seen = Counter((r.section, r.quote) for r in errata.RECORDS)
    assert not [k for k, n in seen.items() if n > 1]
    # The §4.3 network size was once recorded twice, with two verdicts; it is one claim.
    assert [r.id for r in errata.RECORDS if "100个神经元" in r.quote] == ["4.3-sizes"]


def test_the_data_file_is_shipped_with_the_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/*" in pyproject["tool"]["setuptools"]["package-data"]["fbnn"]
    assert errata.DATA_PATH == ROOT / "fbnn" / "data" / "errata.toml"


def _write(tmp_path, text):
    path = tmp_path / "errata.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = '["a"]\nsection = "§1"\nchapter = "model"\nverdict = "wrong"\nquote = "q"\ncorrection = "c"\n'


def test_loader_reads_fields_and_translations(tmp_path):
    text = GOOD + 'says = "s"\ncorrection_zh = "中"\n\n["b"]\nsection = "§9"\nchapter = "faq"\n'
    text += 'verdict = "wrong"\nquote = "q2"\ncorrection = "It is {{value}}."\nsame_as = "a"\n'
    records = errata.load_records(_write(tmp_path, text), recompute={"b": lambda: 2.5})
    assert [r.id for r in records] == ["a", "b"]
    assert records[0].says == "s" and records[0].translations == {"correction_zh": "中"}
    assert records[1].correction_text() == "It is 2.5." and records[1].same_as == "a"
    # A translation replaces the English field in its language only, placeholders filled the same way.
    assert errata.render_box(records[0], lang="zh").endswith("**结论：错误**。中\n")
    assert errata.render_box(records[0], lang="fr").endswith("**Verdict: wrong.** c\n")
    assert errata.render_box(records[0]).endswith("**Verdict: wrong.** c\n")


@pytest.mark.parametrize(
    ("extra", "recompute", "message"),
    [
        ('colour = "red"\n', {}, "unknown fields"),
        ('\n["a"]\nsection = "§2"\n', {}, "repeated record id"),
        ('\n["b"]\nsection = "§1"\nchapter = "model"\nverdict = "wrong"\n', {}, "missing fields"),
        ('same_as = "zzz"\n', {}, "same_as"),
        ('correction_zh = "{{value}}"\n', {}, "placeholder"),
        ("", {"nobody": lambda: 1}, "no record"),
    ],
)
def test_loader_names_what_is_wrong(tmp_path, extra, recompute, message):
    with pytest.raises(ValueError, match=message):
        errata.load_records(_write(tmp_path, GOOD + extra), recompute=recompute)


def test_plain_text_of_roles():
    text = "See {doc}`case_study`, {doc}`the listing <listing>`, {cite}`li2019,dong2016`; $\\ln 0.1$ **is**"
    assert errata.plain(text) == "See case study, the listing, [li2019,dong2016]; \\ln 0.1 is"


def test_box_shows_quote_verdict_and_filled_correction():
    box = errata.render_box(errata.get("4.4-log-0.1"))
    assert box.startswith("**§4.4, the article says** “log(0.1) → -0.47712”")
    assert "**Verdict: wrong.**" in box and "-2.302585" in box and "{{" not in box
