"""The default registry and docs/outlets.md are what contrib/build_registry.py makes of their inputs."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _build():
    spec = importlib.util.spec_from_file_location("build_registry", ROOT / "contrib" / "build_registry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_registry_and_docs_are_up_to_date():
    build = _build()
    text, doc, _ = build.outputs()
    assert build.OUT.read_text(encoding="utf-8") == text, "run: python contrib/build_registry.py"
    assert build.DOC.read_text(encoding="utf-8") == doc, "run: python contrib/build_registry.py"


def test_generator_is_deterministic_and_credits_its_source():
    build = _build()
    first, second = build.outputs(), build.outputs()
    assert first[0] == second[0] and first[1] == second[1]
    header = first[0].split("\n[outlets.", 1)[0]
    assert "MIT License" in header and "ASD-at-GMF" in header and "GENERATED" in header
    assert (ROOT / "contrib" / "state-media-profiles" / "LICENSE").exists()
