"""The committed thresholds never drop below the issue's "Done when" values."""

from __future__ import annotations

from assistant.eval import THRESHOLDS_FILE, gold

DONE_WHEN = {
    "hit_at_3": 0.95,
    "key_phrase_recall": 0.9,
    "citation_validity": 1.0,
    "abstention_precision": 0.9,
    "abstention_recall": 0.9,
}


def test_hybrid_thresholds_hold_done_when_values():
    t = gold.load_thresholds(THRESHOLDS_FILE)
    for key, minimum in DONE_WHEN.items():
        assert key in t["hybrid"], key
        assert t["hybrid"][key] >= minimum, key


def test_every_mode_requires_valid_citations():
    t = gold.load_thresholds(THRESHOLDS_FILE)
    for mode in ("bm25", "dense", "hybrid"):
        assert t[mode]["citation_validity"] == 1.0


def test_hybrid_must_beat_its_parts():
    assert gold.load_thresholds(THRESHOLDS_FILE)["compare"]["hybrid_mrr_at_least_parts"] is True


def test_threshold_keys_are_reported_figures():
    """A typo in a key would silently fail every run: keys must name figures `summarize` emits."""
    figures = set(gold.summarize([]))
    t = gold.load_thresholds(THRESHOLDS_FILE)
    for mode in ("bm25", "dense", "hybrid"):
        for key in t.get(mode, {}):
            assert key.removeprefix("max_") in figures, (mode, key)
