"""`planbridge compile` run as a real subprocess: good files, and every bad-input case."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.plan import Plan
from planbridge.validate import validate_plan

PIPELINE = """
import planbridge as pb

orders = pb.table("orders", {"k": "int64", "price": "decimal(15,2)"})
plan = orders.filter(orders.price > 10).group_by("k").aggregate(total=orders.price.sum())
"""


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planbridge.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def write(tmp_path: Path, body: str, name: str = "pipe.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def test_compile_writes_binary_and_json_plans_that_run(tmp_path: Path) -> None:
    src = write(tmp_path, PIPELINE)
    out = tmp_path / "p.substrait"
    result = run_cli("compile", str(src), "-o", str(out))
    assert result.returncode == 0, result.stderr
    plan = Plan.load(out)
    assert not out.read_bytes().lstrip().startswith(b"{")
    assert validate_plan(plan) == []
    data = {
        "orders": pa.table({"k": [1, 1, 2], "price": pa.array([5, 20, 30], pa.decimal128(15, 2))})
    }
    got = sorted(pb.execute(plan, tables=data).to_pylist(), key=lambda r: r["k"])
    assert [(r["k"], float(r["total"])) for r in got] == [(1, 20.0), (2, 30.0)]

    result = run_cli("compile", str(src), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    default_out = tmp_path / "pipe.json"
    assert default_out.read_text().lstrip().startswith("{")
    assert Plan.load(default_out) == plan


def test_compile_accepts_a_plan_object_and_another_variable(tmp_path: Path) -> None:
    src = write(
        tmp_path,
        PIPELINE + "\nother = plan.to_substrait()\nplan = None\n",
    )
    out = tmp_path / "o.json"
    result = run_cli("compile", str(src), "--var", "other", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert Plan.load(out).proto.relations


def test_compile_legacy_uris(tmp_path: Path) -> None:
    src = write(tmp_path, PIPELINE)
    out = tmp_path / "legacy.json"
    assert run_cli("compile", str(src), "-o", str(out), "--legacy-uris").returncode == 0
    assert "extensionUris" in out.read_text()


BAD_FILES = {
    "missing variable": ("x = 1\n", 1, "defines no variable 'plan'"),
    "variable of the wrong kind": ("plan = 42\n", 1, "'plan' is a int"),
    "exception in the file": (
        "a = 1\nraise ValueError('boom')\n",
        2,
        "pipe.py:2: ValueError: boom",
    ),
    "syntax error": ("plan = (\n", 2, "SyntaxError"),
    "file calling exit": ("import sys\nsys.exit(3)\n", 2, "exit(3)"),
    "ill-typed pipeline": (
        "import planbridge as pb\n"
        "t = pb.table('t', {'d': 'date', 's': 'string'})\n"
        "plan = t.select(x=t.d + t.s)\n",
        1,
        "pipe.py:3: in add(d, s): no overload of add(date?, string?)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_pipeline_file(case: str, tmp_path: Path) -> None:
    body, code, message = BAD_FILES[case]
    result = run_cli("compile", str(write(tmp_path, body)), cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.substrait"))


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("compile", str(tmp_path / "nope.py"))
    assert result.returncode == 2
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_documents_the_convention() -> None:
    result = run_cli("compile", "--help")
    assert result.returncode == 0
    assert "module-level variable `plan`" in result.stdout
