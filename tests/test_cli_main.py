"""The `planbridge` command itself: version, help on every subcommand, and `convert`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import planbridge
from planbridge.plan import Plan

INTEROP = Path(__file__).resolve().parents[1].parent / "shared" / "interop"
SAMPLE = INTEROP / "ibis-substrait-tpch" / "tpc_h01.json"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "planbridge.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_version_matches_package() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert planbridge.__version__ in result.stdout


def test_every_subcommand_has_real_help() -> None:
    from planbridge.cli.main import cli

    assert cli.commands, "no subcommands registered"
    for name in cli.commands:
        result = run_cli(name, "--help")
        assert result.returncode == 0, (name, result.stderr)
        assert f"planbridge {name}" in result.stdout
        # Help that says something beyond the usage line.
        assert len(result.stdout.splitlines()) >= 4, (name, result.stdout)


@pytest.fixture(scope="module")
def sample_plan() -> Path:
    assert SAMPLE.exists(), (
        f"shared material missing: {SAMPLE} (expected ../shared beside the repo)"
    )
    return SAMPLE


def test_convert_json_to_binary_and_back_is_exact(tmp_path: Path, sample_plan: Path) -> None:
    binary = tmp_path / "plan.substrait"
    back = tmp_path / "plan.json"
    assert run_cli("convert", str(sample_plan), "-o", str(binary)).returncode == 0
    assert not binary.read_bytes().lstrip().startswith(b"{")
    assert run_cli("convert", str(binary), "-o", str(back), "--to", "json").returncode == 0
    original = Plan.load(sample_plan)
    assert Plan.load(binary) == original
    assert Plan.load(back) == original
    assert Plan.load(back).to_bytes() == binary.read_bytes()
    json.loads(back.read_text())


def test_convert_binary_named_json_still_loads(tmp_path: Path, sample_plan: Path) -> None:
    odd = tmp_path / "really-binary.json"
    assert run_cli("convert", str(sample_plan), "-o", str(odd), "--to", "binary").returncode == 0
    assert Plan.load(odd) == Plan.load(sample_plan)


def test_convert_legacy_uris_readable_by_us(tmp_path: Path, sample_plan: Path) -> None:
    out = tmp_path / "legacy.json"
    assert run_cli("convert", str(sample_plan), "-o", str(out), "--legacy-uris").returncode == 0
    document = json.loads(out.read_text())
    assert document["extensionUris"] and document["extensionUrns"]
    assert Plan.load(out) == Plan.load(sample_plan)


def test_convert_missing_file_exits_2_without_traceback(tmp_path: Path) -> None:
    result = run_cli("convert", str(tmp_path / "nope.json"), "-o", str(tmp_path / "x"))
    assert result.returncode == 2
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr
