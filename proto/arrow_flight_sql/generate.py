"""Regenerate src/planbridge/_generated/flight_sql/ from the .proto files beside this script.

Run from the repository root: ``.venv/bin/python proto/arrow_flight_sql/generate.py``
(needs grpcio-tools, a test extra). The generated modules are committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "src" / "planbridge" / "_generated" / "flight_sql"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "__init__.py").write_text(
        '"""Generated from proto/arrow_flight_sql/ (see generate.py there); do not edit."""\n'
    )
    protos = sorted(p.name for p in HERE.glob("*.proto"))
    return protoc.main(["protoc", f"-I{HERE}", f"--python_out={OUT}", f"--pyi_out={OUT}", *protos])


if __name__ == "__main__":
    sys.exit(main())
