"""The DataFusion and Flink dialects: each spelling their engine needs, written out by hand,
and printed by sqlglot's own generator (compiled or not) after the dialect's rewrites."""

from __future__ import annotations

import gc
import threading
from typing import Any

import sqlglot.expressions as exp
import sqlglot.generator
from sqlglot.dialects.dialect import Dialect

from planbridge.engines.datafusion.dialect import DataFusionDialect
from planbridge.engines.flink.ddl import create_table
from planbridge.engines.flink.dialect import FlinkDialect
from planbridge.engines.respell import sql_text

T = exp.DataType.Type
COL = exp.column("c", quoted=True)
STR = exp.Literal.string("it's")


def _t(kind: T) -> exp.DataType:
    return exp.DataType(this=kind, nested=False)


def _nested(kind: T, *inner: exp.Expression) -> exp.DataType:
    return exp.DataType(this=kind, nested=True, expressions=list(inner))


def _struct(*types: exp.DataType) -> exp.DataType:
    fields = [
        exp.ColumnDef(this=exp.to_identifier(f"f{i}", quoted=True), kind=t)
        for i, t in enumerate(types)
    ]
    return _nested(T.STRUCT, *fields)


def _flink(e: exp.Expression) -> str:
    return e.sql(dialect=FlinkDialect)


def _datafusion(e: exp.Expression) -> str:
    return e.sql(dialect=DataFusionDialect)


def test_dialects_keep_sqlglots_own_generator() -> None:
    # sqlglot's compiled build forbids interpreted subclasses of its generator
    for d in (FlinkDialect, DataFusionDialect):
        assert d.generator_class is sqlglot.generator.Generator
        assert d().generator().__class__ is sqlglot.generator.Generator


def test_flink_types() -> None:
    row = _struct(_t(T.VARCHAR), _nested(T.ARRAY, _struct(_t(T.INT), _t(T.TIMESTAMPTZ))))
    cases = {
        _t(T.VARCHAR): "STRING",
        _t(T.TEXT): "STRING",
        _t(T.VARBINARY): "BYTES",
        _t(T.TIMESTAMPLTZ): "TIMESTAMP_LTZ",
        _nested(T.ARRAY, _t(T.VARBINARY)): "ARRAY<BYTES>",
        _nested(T.MAP, _t(T.TEXT), _t(T.BIGINT)): "MAP<STRING, BIGINT>",
        row: "ROW<`f0` STRING, `f1` ARRAY<ROW<`f0` INT, `f1` TIMESTAMP_LTZ>>>",
    }
    for t, want in cases.items():
        assert _flink(exp.Cast(this=COL.copy(), to=t)) == f"CAST(`c` AS {want})"


def test_flink_functions_and_values() -> None:
    n = exp.Literal.number
    cases = {
        exp.StrPosition(this=COL.copy(), substr=STR.copy()): "POSITION('it''s' IN `c`)",
        exp.GroupConcat(this=COL.copy()): "LISTAGG(`c`, ',')",
        exp.Mod(this=COL.copy(), expression=n(3)): "MOD(`c`, 3)",
        exp.Pow(this=COL.copy(), expression=n(2)): "POWER(`c`, 2)",
        exp.Length(this=COL.copy()): "CHAR_LENGTH(`c`)",
        exp.Trim(this=COL.copy()): "TRIM(BOTH FROM `c`)",
        exp.Trim(this=COL.copy(), expression=STR.copy(), position="LEADING"): (
            "TRIM(LEADING 'it''s' FROM `c`)"
        ),
        exp.IntDiv(this=COL.copy(), expression=n(2)): "`c` / 2",
        exp.Array(expressions=[n(1), exp.Array(expressions=[])]): "ARRAY[1, ARRAY[]]",
        exp.Struct(
            expressions=[exp.PropertyEQ(this=exp.to_identifier("f0"), expression=STR.copy())]
        ): "ROW('it''s')",
        exp.Interval(this=exp.Literal.string("1-2"), unit=exp.var("YEAR TO MONTH")): (
            "INTERVAL '1-2' YEAR TO MONTH"
        ),
    }
    for e, want in cases.items():
        assert _flink(e) == want


def test_flink_table_options_and_quoting() -> None:
    ddl = create_table("t`x", [("a", _t(T.VARCHAR))], {"connector": "filesystem", "path": "it's"})
    assert _flink(ddl) == (
        "CREATE TEMPORARY TABLE `t``x` (`a` STRING) "
        "WITH ('connector' = 'filesystem', 'path' = 'it''s')"
    )
    assert ddl.sql(dialect=FlinkDialect, pretty=True).endswith(
        "WITH (\n  'connector' = 'filesystem',\n  'path' = 'it''s'\n)"
    )


def test_datafusion_spellings() -> None:
    order = exp.Order(
        this=COL.copy(), expressions=[exp.Ordered(this=COL.copy(), desc=True, nulls_first=True)]
    )
    cases = {
        exp.Cast(this=COL.copy(), to=_t(T.UTINYINT)): 'CAST("c" AS TINYINT UNSIGNED)',
        exp.Cast(this=COL.copy(), to=_nested(T.ARRAY, _t(T.UBIGINT))): (
            'CAST("c" AS ARRAY<BIGINT UNSIGNED>)'
        ),
        exp.StrPosition(this=COL.copy(), substr=STR.copy()): "STRPOS(\"c\", 'it''s')",
        exp.GroupConcat(this=COL.copy(), separator=STR.copy()): "STRING_AGG(\"c\", 'it''s')",
        exp.GroupConcat(this=order): 'STRING_AGG("c", \',\' ORDER BY "c" DESC)',
        exp.Array(expressions=[exp.Array(expressions=[STR.copy()])]): (
            "MAKE_ARRAY(MAKE_ARRAY('it''s'))"
        ),
    }
    for e, want in cases.items():
        assert _datafusion(e) == want


def test_printing_leaves_the_tree_as_it_was() -> None:
    e = exp.Trim(this=exp.StrPosition(this=COL.copy(), substr=STR.copy()))
    before = repr(e)
    _flink(e)
    _datafusion(e)
    assert repr(e) == before
    assert e.sql(dialect=Dialect) == "TRIM(STR_POSITION(\"c\", 'it''s'))"


def _print_into(query: Any, dialect: Any, pretty: bool, out: list[str]) -> None:
    out.append(sql_text(query(), dialect, pretty))


def test_reused_generators_print_what_a_new_one_prints() -> None:
    """``sql_text`` keeps one generator per dialect, option set and thread: every query
    prints as with a generator of its own (made-up aliases count from ``_t0`` each time),
    in every thread."""

    def query() -> exp.Select:
        inner = exp.select(exp.StrPosition(this=COL, substr=STR)).from_("t")
        alias = exp.TableAlias(columns=[exp.to_identifier("a")])
        return exp.select("*").from_(exp.Subquery(this=inner, alias=alias))

    for dialect in ("duckdb", DataFusionDialect, FlinkDialect):
        for pretty in (False, True):
            want = query().sql(dialect=dialect, pretty=pretty)
            assert "_t0" in want and "_t1" not in want
            got = [sql_text(query(), dialect, pretty) for _ in range(3)]
            args = (query, dialect, pretty, got)
            threads = [threading.Thread(target=_print_into, args=args) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert got == [want] * 7


def test_a_printed_tree_is_unlinked_and_freed_without_the_cycle_collector() -> None:
    """``sql_text`` consumes its tree: after printing, no node links back to its parent, so
    dropping the tree frees it by reference counting (the collector finds nothing of it)."""
    tree = _plain_tree()
    want = tree.sql(dialect=DataFusionDialect)
    nodes = list(tree.walk())
    assert sum(n.parent is not None for n in nodes) == len(nodes) - 1
    assert sql_text(tree, DataFusionDialect) == want
    assert all(n.parent is None for n in nodes)
    kinds = {type(n) for n in nodes}
    del tree, nodes
    gc.disable()
    try:
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        tree = _plain_tree()
        assert sql_text(tree, DataFusionDialect) == want
        del tree
        gc.collect()
        assert not [o for o in gc.garbage if type(o) in kinds]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _plain_tree() -> exp.Select:
    """``SELECT * FROM (SELECT STRPOS(..) FROM t) AS a`` built node by node (sqlglot's
    builders leave garbage of their own)."""
    call = exp.StrPosition(this=COL.copy(), substr=STR.copy())
    inner = exp.Select(expressions=[call], from_=exp.From(this=exp.Table(this=_id("t"))))
    sub = exp.Subquery(this=inner, alias=exp.TableAlias(this=_id("a")))
    return exp.Select(expressions=[exp.Star()], from_=exp.From(this=sub))


def _id(name: str) -> exp.Identifier:
    return exp.Identifier(this=name, quoted=True)
