"""A pipeline case: build the plan in Python (here with substrait protobuf)."""

from planbridge.conformance.funcplan import build_plan
from planbridge.conformance.functest import Arg, FuncCase


def build():
    case = FuncCase(
        file="add",
        urn="extension:io.substrait:functions_arithmetic",
        group="basic",
        function="add",
        args=(Arg("intArg", "40::i64"), Arg("intArg", "2::i64")),
        options=(),
        result=Arg("intArg", "42::i64"),
    )
    return build_plan(case)
