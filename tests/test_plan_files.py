"""Plan files through the real `planbridge` command: round trips and every bad input (issue 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from planbridge.plan import Plan

SAMPLE = Path("/work/shared/interop/ibis-substrait-tpch/tpc_h01.json")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planbridge.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_binary_round_trip_validates(tmp_path: Path) -> None:
    binary = tmp_path / "q1.bin"
    Plan.load(SAMPLE).save(binary, format="binary")
    assert Plan.load(binary) == Plan.load(SAMPLE)
    result = run_cli("validate", str(binary))
    assert result.returncode == 0, result.stderr


BAD = {
    "truncated.bin": lambda: Plan.load(SAMPLE).to_bytes()[:-7],
    "garbage.bin": lambda: b"\xff\xfe\x00garbage\x13\x99" * 5,
    "invalid.json": lambda: b'{"relations": [',
    "other_message.json": lambda: b'{"name": "x", "fields": []}',
    "empty.json": lambda: b"",
    "binary_named.json": lambda: Plan.load(SAMPLE).to_bytes(),
    "noext": lambda: b"\x08\x96\x01",
}
REASONS = {
    "truncated.bin": "binary Substrait plan",
    "garbage.bin": "binary Substrait plan",
    "invalid.json": "not valid JSON",
    "other_message.json": "not a Substrait Plan",
    "empty.json": "empty",
    "binary_named.json": None,
    "noext": "",
}


@pytest.mark.parametrize("name", sorted(BAD))
@pytest.mark.parametrize("command", ["validate", "explain"])
def test_bad_inputs_exit_2(tmp_path: Path, name: str, command: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD[name]())
    result = run_cli(command, str(path))
    if name == "binary_named.json":  # content decides the format: a good binary plan
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert str(path) in result.stderr  # says where
    assert REASONS[name] in result.stderr  # says what
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["validate", "explain"])
def test_missing_file(tmp_path: Path, command: str) -> None:
    result = run_cli(command, str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "no such file" in result.stderr


def test_invalid_plan_exit_1(tmp_path: Path) -> None:
    text = SAMPLE.read_text().replace('"field": 10', '"field": 99', 1)
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    result = run_cli("validate", str(bad))
    assert result.returncode == 1
    assert "relations[0].root.input" in result.stderr and "out of range" in result.stderr
