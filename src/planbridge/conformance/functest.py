"""Parse Substrait function test files (``*.test``) with substrait-antlr's generated parser.

Only the parse tree is walked here; :mod:`planbridge.conformance.funcplan` turns a scalar
test case into a one-call plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from antlr4 import CommonTokenStream, InputStream
from antlr4.error.ErrorListener import ErrorListener
from substrait_antlr.func_test_case.FuncTestCaseLexer import FuncTestCaseLexer
from substrait_antlr.func_test_case.FuncTestCaseParser import FuncTestCaseParser


@dataclass(frozen=True)
class Arg:
    """One literal argument: ``kind`` is the grammar rule (intArg, floatArg, ...)."""

    kind: str
    text: str  # e.g. "120::i8", "null::fp64", "'abc'::str"

    @property
    def value(self) -> str:
        return self.text.rsplit("::", 1)[0] if "::" in self.text else self.text

    @property
    def type(self) -> str:
        return self.text.rsplit("::", 1)[1].lower() if "::" in self.text else ""


@dataclass(frozen=True)
class FuncCase:
    """One scalar test: ``function(args) [options] = result``."""

    file: str
    urn: str
    group: str
    function: str
    args: tuple[Arg, ...]
    options: tuple[tuple[str, str], ...]
    result: Arg | None  # None when the result is an error or undefined
    error: str = ""  # "ERROR" or "UNDEFINED" when the spec expects no value
    line: int = 0
    column: tuple[str, ...] | None = None  # aggregate tests: the input column's values
    column_type: str = ""

    @property
    def is_aggregate(self) -> bool:
        return self.column is not None

    @property
    def text(self) -> str:
        opts = f" [{', '.join(f'{k}:{v}' for k, v in self.options)}]" if self.options else ""
        res = self.result.text if self.result else f"<!{self.error}>"
        if self.column is not None:
            col = f"({', '.join(self.column)})::{self.column_type}"
            return f"{self.function}({col}){opts} = {res}"
        return f"{self.function}({', '.join(a.text for a in self.args)}){opts} = {res}"


@dataclass
class FuncTestFile:
    """A parsed ``.test`` file: scalar and single-column aggregate cases; ``other`` counts the
    rest (multi-argument aggregates, window tests) which are not translated yet."""

    path: Path
    urn: str = ""
    cases: list[FuncCase] = field(default_factory=list)
    other: int = 0
    errors: list[str] = field(default_factory=list)


class _Collect(ErrorListener):
    def __init__(self) -> None:
        self.messages: list[str] = []

    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):
        self.messages.append(f"line {line}:{column} {msg}")


def _arg(ctx) -> Arg:
    child = ctx.getChild(0)
    kind = type(child).__name__.removesuffix("Context")
    return Arg(kind[0].lower() + kind[1:], ctx.getText())


def parse_file(path: str | Path) -> FuncTestFile:
    """Parse one ``.test`` file; syntax errors are collected, not raised."""
    p = Path(path)
    listener = _Collect()
    lexer = FuncTestCaseLexer(InputStream(p.read_text(encoding="utf-8")))
    lexer.removeErrorListeners()
    lexer.addErrorListener(listener)
    parser = FuncTestCaseParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    doc = parser.doc()
    out = FuncTestFile(p, errors=listener.messages)
    inc = doc.header().include() if doc.header() else None
    if inc is not None and inc.ExtensionUrn():
        out.urn = inc.ExtensionUrn().getText()
    for group in doc.testGroup():
        if isinstance(group, FuncTestCaseParser.AggregateFuncTestGroupContext):
            _aggregate_group(group, p, out)
            continue
        if not isinstance(group, FuncTestCaseParser.ScalarFuncTestGroupContext):
            out.other += sum(1 for _ in group.getChildren()) - 1
            continue
        desc = group.testGroupDescription()
        gname = desc.getText().lstrip("# ").split(":")[0].strip() if desc else ""
        for tc in group.testCase():
            args = tuple(_arg(a) for a in (tc.arguments().argument() if tc.arguments() else []))
            opts: tuple[tuple[str, str], ...] = ()
            if tc.funcOptions():
                opts = tuple(
                    (o.optionName().getText(), o.optionValue().getText())
                    for o in tc.funcOptions().funcOption()
                )
            res = tc.result()
            err = ""
            result = None
            if res.substraitError() is not None:
                err = "ERROR" if res.substraitError().ErrorResult() else "UNDEFINED"
            else:
                result = _arg(res.argument())
            out.cases.append(
                FuncCase(
                    file=p.name,
                    urn=out.urn,
                    group=gname,
                    function=tc.identifier().getText()
                    if tc.identifier()
                    else tc.functionName.getText(),
                    args=args,
                    options=opts,
                    result=result,
                    error=err,
                    line=tc.start.line,
                )
            )
    return out


def _options(tc) -> tuple[tuple[str, str], ...]:
    if not tc.funcOptions():
        return ()
    return tuple(
        (o.optionName().getText(), o.optionValue().getText()) for o in tc.funcOptions().funcOption()
    )


def _result(tc) -> tuple[Arg | None, str]:
    res = tc.result()
    if res.substraitError() is not None:
        return None, "ERROR" if res.substraitError().ErrorResult() else "UNDEFINED"
    return _arg(res.argument()), ""


def _aggregate_group(group, path: Path, out: FuncTestFile) -> None:
    desc = group.testGroupDescription()
    gname = desc.getText().lstrip("# ").split(":")[0].strip() if desc else ""
    for tc in group.aggFuncTestCase():
        call = tc.aggFuncCall()
        if (
            not isinstance(call, FuncTestCaseParser.SingleArgAggregateFuncCallContext)
            or call.dataColumn() is None
        ):
            out.other += 1
            continue
        col = call.dataColumn()
        values = tuple(v.getText() for v in col.columnValues().literal())
        result, err = _result(tc)
        out.cases.append(
            FuncCase(
                file=path.name,
                urn=out.urn,
                group=gname,
                function=call.identifier().getText(),
                args=(),
                options=_options(tc),
                result=result,
                error=err,
                line=tc.start.line,
                column=values,
                column_type=col.dataType().getText(),
            )
        )
