"""The committed generated code must be exactly what protoc makes of proto/ today."""

from __future__ import annotations

from pathlib import Path

from planbridge import codegen


def test_generated_code_matches_proto_sources() -> None:
    fresh = codegen.generate()
    assert fresh, "codegen produced nothing"
    stale = []
    for rel, text in fresh.items():
        path = codegen.OUT_DIR / rel
        if not path.exists() or path.read_text() != text:
            stale.append(rel)
    assert not stale, (
        f"generated code is out of date for {stale}: run `python -m planbridge.codegen`"
    )


def test_every_proto_source_is_generated() -> None:
    protos = {
        str(p.relative_to(codegen.PROTO_DIR)) for p in Path(codegen.PROTO_DIR).rglob("*.proto")
    }
    assert protos == set(codegen.SOURCES)


def test_drift_is_detected(tmp_path: Path, monkeypatch) -> None:
    """Changing a .proto changes the generated text (so the check above can fail)."""
    src = tmp_path / "proto"
    for rel in codegen.SOURCES:
        target = src / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (codegen.PROTO_DIR / rel).read_text()
        target.write_text(text.replace("int64 delay_micros = 2;", "int64 delay_millis = 2;"))
    before = codegen.generate()
    monkeypatch.setattr(codegen, "PROTO_DIR", src)
    after = codegen.generate()
    assert before != after
