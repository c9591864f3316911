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
class BodyCall:
    """A function call inside a lambda body: ``gt(x, 2::i32)``. Each argument is a lambda
    parameter's name (``str``), a literal :class:`Arg` or a nested :class:`BodyCall`."""

    function: str
    args: tuple[str | Arg | BodyCall, ...]


@dataclass(frozen=True)
class LambdaSpec:
    """``(x -> body)::func<i32 -> bool>``: parameter names and types, body, return type."""

    params: tuple[str, ...]
    param_types: tuple[str, ...]
    return_type: str
    body: BodyCall


@dataclass(frozen=True)
class Arg:
    """One literal argument: ``kind`` is the grammar rule (intArg, floatArg, ...)."""

    kind: str
    text: str  # e.g. "120::i8", "null::fp64", "'abc'::str"
    items: tuple[str, ...] = ()  # listArg: the element literals' texts
    lam: LambdaSpec | None = None  # lambdaArg: the parsed lambda

    @property
    def element_type(self) -> str:
        """``list<i32?>`` -> ``i32?`` (empty for a type that is not a list)."""
        t = self.type
        return t[t.index("<") + 1 : t.rindex(">")] if t.startswith("list") and "<" in t else ""

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
    # Multi-argument aggregate tests: the table's rows (literal texts) and column types; the
    # arguments then hold ``Arg("columnArg", "colN::type")`` references to its columns.
    table: tuple[tuple[str, ...], ...] | None = None
    table_types: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()  # the file's SUBSTRAIT_DEPENDENCY URNs

    @property
    def is_aggregate(self) -> bool:
        return self.column is not None or self.table is not None

    @property
    def text(self) -> str:
        opts = f" [{', '.join(f'{k}:{v}' for k, v in self.options)}]" if self.options else ""
        res = self.result.text if self.result else f"<!{self.error}>"
        if self.column is not None:
            col = f"({', '.join(self.column)})::{self.column_type}"
            return f"{self.function}({col}){opts} = {res}"
        if self.table is not None:
            rows = ", ".join(f"({', '.join(r)})" for r in self.table)
            call = f"{self.function}({', '.join(a.text for a in self.args)})"
            return f"({rows}) {call}{opts} = {res}"
        return f"{self.function}({', '.join(a.text for a in self.args)}){opts} = {res}"


@dataclass
class FuncTestFile:
    """A parsed ``.test`` file: scalar and aggregate cases; ``other`` counts the rest (window
    tests) which are not translated yet."""

    path: Path
    urn: str = ""
    cases: list[FuncCase] = field(default_factory=list)
    other: int = 0
    errors: list[str] = field(default_factory=list)
    dependencies: tuple[str, ...] = ()  # SUBSTRAIT_DEPENDENCY URNs (lambda bodies' functions)


class _Collect(ErrorListener):
    def __init__(self) -> None:
        self.messages: list[str] = []

    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):
        self.messages.append(f"line {line}:{column} {msg}")


def _arg(ctx) -> Arg:
    child = ctx.getChild(0)
    kind = type(child).__name__.removesuffix("Context")
    items: tuple[str, ...] = ()
    if isinstance(child, FuncTestCaseParser.ListArgContext):
        items = tuple(c.getText() for c in child.literalList().compoundLiteral())
    lam = _lambda(child) if isinstance(child, FuncTestCaseParser.LambdaArgContext) else None
    return Arg(kind[0].lower() + kind[1:], ctx.getText(), items, lam)


def _lambda(ctx) -> LambdaSpec:
    """The parts of a ``lambdaArg`` parse tree."""
    lit, ftype = ctx.literalLambda(), ctx.funcType()
    params = tuple(
        t.getText() for t in _terminals(lit.lambdaParameters()) if t.getText() not in "(),"
    )
    fparams = ftype.funcParameters()
    types = fparams.dataType() if fparams is not None else []
    types = types if isinstance(types, list) else [types]
    return LambdaSpec(
        params,
        tuple(t.getText() for t in types),
        ftype.dataType().getText(),
        _body(lit.lambdaBody()),
    )


def _body(ctx) -> BodyCall:
    """A call in a lambda body; arguments are parameter names, literals or nested calls."""
    out: list[str | Arg | BodyCall] = []
    for a in ctx.arguments().argument() if ctx.arguments() else []:
        child = a.getChild(0)
        if isinstance(child, FuncTestCaseParser.FuncCallArgContext):
            out.append(_body(child))
        elif a.Identifier() is not None and a.getChildCount() == 1:
            out.append(a.Identifier().getText())
        else:
            out.append(_arg(a))
    return BodyCall(ctx.identifier().getText(), tuple(out))


def _terminals(ctx) -> list:
    if ctx.getChildCount() == 0:
        return [ctx]
    return [t for i in range(ctx.getChildCount()) for t in _terminals(ctx.getChild(i))]


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
    deps = doc.header().dependency() if doc.header() else []
    out.dependencies = tuple(d.ExtensionUrn().getText() for d in deps if d.ExtensionUrn())
    aggregate_file = "AGGREGATE" in (doc.header().getText() if doc.header() else "")
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
            column = _udt_column(args) if aggregate_file else None
            if column is not None:
                args = ()
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
                    dependencies=out.dependencies,
                    group=gname,
                    function=tc.identifier().getText()
                    if tc.identifier()
                    else tc.functionName.getText(),
                    args=args,
                    options=opts,
                    result=result,
                    error=err,
                    line=tc.start.line,
                    column=column[0] if column else None,
                    column_type=column[1] if column else "",
                )
            )
    return out


def _udt_column(args: tuple[Arg, ...]) -> tuple[tuple[str, ...], str] | None:
    """In an aggregate file, ``max(('20', '3', Null)::u!u8)`` parses as one user-defined
    argument; it is the single column of a single-column aggregate case."""
    if len(args) != 1 or args[0].kind != "userDefinedArg" or not args[0].value.startswith("("):
        return None
    inner = args[0].value[1:-1].strip()
    return tuple(v.strip() for v in inner.split(",")) if inner else (), args[0].type


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
        result, err = _result(tc)
        common = dict(
            file=path.name,
            urn=out.urn,
            group=gname,
            options=_options(tc),
            result=result,
            error=err,
            line=tc.start.line,
        )
        if isinstance(call, FuncTestCaseParser.SingleArgAggregateFuncCallContext):
            if call.dataColumn() is None:  # f() without a column: nothing to aggregate over
                out.other += 1
                continue
            col = call.dataColumn()
            out.cases.append(
                FuncCase(
                    function=call.identifier().getText(),
                    args=(),
                    column=tuple(v.getText() for v in col.columnValues().literal()),
                    column_type=col.dataType().getText(),
                    **common,
                )
            )
        elif isinstance(call, FuncTestCaseParser.CompactAggregateFuncCallContext):
            args = call.aggregateFuncArgs().aggregateFuncArg() if call.aggregateFuncArgs() else []
            out.cases.append(
                FuncCase(
                    function=call.identifier().getText(),
                    args=tuple(_agg_arg(a) for a in args),
                    table=_rows(call.tableRows()),
                    **common,
                )
            )
        elif isinstance(call, FuncTestCaseParser.MultiArgAggregateFuncCallContext):
            data = call.tableData()
            qargs = call.qualifiedAggregateFuncArgs()
            args = qargs.qualifiedAggregateFuncArg() if qargs else []
            out.cases.append(
                FuncCase(
                    function=call.funcName.getText(),
                    args=tuple(_qualified_arg(a, data) for a in args),
                    table=_rows(data.tableRows()),
                    table_types=tuple(t.getText() for t in data.dataType()),
                    **common,
                )
            )
        else:
            out.other += 1


def _rows(rows) -> tuple[tuple[str, ...], ...]:
    """The rows of a ``((1, 2), (3, 4))`` table; an empty row ``()`` stands for no row."""
    out = []
    for cv in rows.columnValues() if rows is not None else []:
        vals = tuple(v.getText() for v in cv.literal())
        if vals:
            out.append(vals)
    return tuple(out)


def _agg_arg(ctx) -> Arg:
    """``col0::fp32`` (a column of the case's table) or a literal argument."""
    if ctx.ColumnName() is not None:
        return Arg("columnArg", f"{ctx.ColumnName().getText()}::{ctx.dataType().getText()}")
    return _arg(ctx.argument())


def _qualified_arg(ctx, data) -> Arg:
    """``t.col1`` (typed by the DEFINE) or a literal argument."""
    if ctx.ColumnName() is None:
        return _arg(ctx.argument())
    name = ctx.ColumnName().getText()
    index = int(name.removeprefix("col"))
    types = data.dataType()
    kind = types[index].getText() if index < len(types) else ""
    return Arg("columnArg", f"{name}::{kind}")
