"""``planbridge serve``: run the Flight SQL server until interrupted (SIGINT/SIGTERM)."""

from __future__ import annotations

import gc
import signal
import threading
from pathlib import Path

import click

from planbridge.cli.common import report_errors
from planbridge.cli.run import parse_tables
from planbridge.errors import PlanError


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise PlanError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None


@click.command("serve")
@click.option("--engine", default="duckdb", show_default=True, help="duckdb, datafusion or flink.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8815, show_default=True, help="Port (0 picks a free one).")
@click.option(
    "--table",
    "tables",
    multiple=True,
    metavar="NAME=PATH",
    help="A table the server serves: a .parquet/.csv/.arrow file or a directory. Repeatable.",
)
@click.option(
    "--root",
    "roots",
    multiple=True,
    metavar="DIR",
    help="A directory plans may read local files from (none: plans read only --table). Repeatable.",
)
@click.option("--token", default=None, envvar="PLANBRIDGE_TOKEN", help="Require this bearer token.")
@click.option("--tls-cert", default=None, metavar="PEM", help="Serve TLS with this certificate.")
@click.option("--tls-key", default=None, metavar="PEM", help="The certificate's private key.")
@click.option("--max-plan-bytes", default=1 << 20, show_default=True, help="Largest plan accepted.")
@click.option("--max-concurrent", default=8, show_default=True, help="Queries run at once.")
@click.option(
    "--queue-wait", default=30.0, show_default=True, help="Seconds a query waits for a slot."
)
@click.option("--query-timeout", default=60.0, show_default=True, help="Seconds a query may take.")
@click.option(
    "--max-result-bytes", default=256 << 20, show_default=True, help="Largest result streamed."
)
@report_errors
def serve(
    engine: str,
    host: str,
    port: int,
    tables: tuple[str, ...],
    roots: tuple[str, ...],
    token: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    max_plan_bytes: int,
    max_concurrent: int,
    queue_wait: float,
    query_timeout: float,
    max_result_bytes: int,
) -> None:
    """Serve Substrait plans over Arrow Flight SQL.

    Clients: planbridge.connect("grpc://HOST:PORT"), or ADBC's Flight SQL driver
    (cursor.execute(plan_bytes)). Stops cleanly on Ctrl-C or SIGTERM.

    \b
    Example:
      planbridge serve --port 8815 --table lineitem=data/lineitem.parquet --token s3cret
    """
    from planbridge.service.catalog import Catalog
    from planbridge.service.limits import Limits
    from planbridge.service.server import TLS, PlanServer

    if bool(tls_cert) != bool(tls_key):
        raise PlanError("give both --tls-cert and --tls-key, or neither")
    tls = TLS(_read(tls_cert, "--tls-cert"), _read(tls_key, "--tls-key")) if tls_cert else None
    limits = Limits(
        max_plan_bytes=max_plan_bytes,
        max_concurrent=max_concurrent,
        queue_wait=queue_wait,
        query_timeout=query_timeout,
        max_result_bytes=max_result_bytes,
    )
    catalog = Catalog.open(parse_tables(tables), roots)
    scheme = "grpc+tls" if tls else "grpc"
    try:
        server = PlanServer(
            f"{scheme}://{host}:{port}", engine, catalog, limits, token=token, tls=tls
        )
    except Exception as exc:  # pyarrow reports a busy port as a bare ArrowException
        raise PlanError(
            f"cannot listen on {host}:{port} (in use, or not an address here?): {exc}"
        ) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(
        f"planbridge serving {len(catalog.tables)} table(s) on {scheme}://{host}:{server.port} "
        f"with {server.engine}",
        err=True,
    )
    while not stop.wait(0.5):
        pass
    click.echo("planbridge server shutting down", err=True)
    server.close()
    server.wait()
    del server  # release the gRPC server now, not during interpreter teardown
    gc.collect()
