"""The quality gate holds under both index precisions, whatever this CPU has (integration).

CPUs differ between machines: `precision=auto` may pick bf16 on one and fp32 on another, so the
gold set is run on an index built under each, forced. bf16 runs emulated (slowly) on CPUs
without native support; the bundled notes are ten sections. Questions are embedded as a cold
`assistant ask` embeds them: by the ONNX fp32 query model against the existing index (a process
that has just built the index would reuse its own embedder, so the eval engine is a new one).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.engine import Engine
from assistant.eval import FLOORS_FILE, gold
from assistant.settings import load_settings
from corpus import BUNDLED_NOTES
from index.onnx_embed import OnnxEmbedder, ensure_onnx_export
from index.store import read_manifest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One user data dir for the module, with the ONNX query model exported once."""
    home = tmp_path_factory.mktemp("gate-home")
    assert ensure_onnx_export(None, home / "models") is not None
    return home


@pytest.fixture(scope="module", params=["fp32", "bf16"])
def gold_report(request: pytest.FixtureRequest, home: Path, tmp_path_factory) -> dict:
    precision = request.param
    root = tmp_path_factory.mktemp(f"gate-{precision}")
    notes = root / "notes"
    notes.mkdir()
    shutil.copy(BUNDLED_NOTES / "aws-containers.md", notes)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_HOME", str(home))
        mp.setenv("ASSISTANT_PRECISION", precision)
        settings = load_settings(notes=notes, index=root / "index")
        builder = Engine(settings)
        builder.refresh(export=False)
        builder.close()
        manifest = read_manifest(root / "index")
        assert manifest is not None and manifest.precision == precision
        engine = Engine(settings)
        try:
            assert engine.stale_reason() is None
            assert isinstance(engine.query_embedder(), OnnxEmbedder)
            report = gold.run_gold(engine, gold.load_gold(), gold.MODES)
        finally:
            engine.close()
    report["precision"] = precision
    return report


def test_floors_and_comparison_hold(gold_report: dict) -> None:
    failures = gold.check_thresholds(gold_report, gold.load_thresholds(FLOORS_FILE))
    assert not failures, (gold_report["precision"], failures)


def test_every_citation_is_verbatim(gold_report: dict) -> None:
    for mode, result in gold_report["modes"].items():
        assert result["overall"]["citation_validity"] == 1.0, mode
        assert result["overall"]["citations"] > 0, mode
