"""Where the Flink jars and Java live, and the JVM flags Flink needs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

from planbridge.engines.flink.errors import JavaNotFoundError
from planbridge.errors import EngineError

MIN_JAVA = 11
INSTALL_HINT = (
    "install a Java runtime, version 11 or newer (e.g. `apt-get install openjdk-17-jre-headless`"
    " or https://adoptium.net), and put its `java` on PATH or set JAVA_HOME to its directory"
)

# The module flags Flink's own scripts pass on Java 11+ (env.java.opts.all in config.yaml).
JAVA_MODULE_OPTS: tuple[str, ...] = (
    "-XX:+IgnoreUnrecognizedVMOptions",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.text=ALL-UNNAMED",
    "--add-opens=java.base/java.time=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
)


@cache
def flink_home() -> Path:
    """The directory of the ``apache-flink-libraries`` distribution (``lib/``, ``opt/``, ``bin/``)."""
    try:
        dist = metadata.distribution("apache-flink-libraries")
    except metadata.PackageNotFoundError as exc:
        raise EngineError(
            "the Flink engine needs the `apache-flink-libraries` package: "
            "pip install 'apache-flink-libraries>=2.3,<2.4'"
        ) from exc
    home = Path(str(dist.locate_file("pyflink")))
    if not (home / "lib").is_dir():
        raise EngineError(f"Flink jars not found under {home}/lib")
    return home


def flink_version() -> str:
    """The Flink version of the installed jars."""
    return metadata.version("apache-flink-libraries")


def classpath(extra: tuple[str, ...] = ()) -> list[str]:
    """Jars for an embedded Flink: ``lib/*`` plus ``opt/flink-python`` (Arrow result export)."""
    home = flink_home()
    jars = sorted(str(p) for p in (home / "lib").glob("*.jar"))
    jars += sorted(str(p) for p in (home / "opt").glob("flink-python-*.jar"))
    return jars + list(extra)


def lib_classpath() -> list[str]:
    """Jars of ``lib/`` only, what Flink's cluster scripts put on a daemon's classpath."""
    return sorted(str(p) for p in (flink_home() / "lib").glob("*.jar"))


def bash_java_utils_jar() -> Path:
    """``bin/bash-java-utils.jar`` (holds ``BashJavaUtils``, used for TaskManager memory)."""
    return flink_home() / "bin" / "bash-java-utils.jar"


def py4j_jar() -> Path:
    """The py4j gateway server jar shipped with the ``py4j`` Python package."""
    version = metadata.version("py4j")
    candidates = [
        Path(sys.prefix) / "share" / "py4j" / f"py4j{version}.jar",
        Path(sys.base_prefix) / "share" / "py4j" / f"py4j{version}.jar",
    ]
    for dist_file in metadata.distribution("py4j").files or []:
        if str(dist_file).endswith(".jar"):
            candidates.insert(0, Path(str(dist_file.locate())))
    for c in candidates:
        if c.is_file():
            return c.resolve()
    raise EngineError(f"py4j jar py4j{version}.jar not found (looked in {candidates})")


_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


@cache
def _java_version(java: str) -> int:
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        raise JavaNotFoundError(f"cannot run {java}: {exc}; {INSTALL_HINT}") from exc
    m = _VERSION.search(out.stderr + out.stdout)
    if not m:
        raise JavaNotFoundError(f"cannot tell the version of {java}; {INSTALL_HINT}")
    major = int(m[1])
    return int(m[2] or 0) if major == 1 else major


def find_java() -> str:
    """Path of a ``java`` 11+ executable: ``$JAVA_HOME/bin/java``, else ``java`` on PATH.

    Raises :class:`JavaNotFoundError` saying what to install when neither works.
    """
    tried: list[str] = []
    home = os.environ.get("JAVA_HOME")
    candidates: list[str] = []
    if home:
        candidate = Path(home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            candidates.append(str(candidate))
        else:
            tried.append(f"JAVA_HOME={home} (no bin/java there)")
    on_path = shutil.which("java")
    if on_path:
        candidates.append(on_path)
    else:
        tried.append("PATH (no `java`)")
    for java in candidates:
        version = _java_version(java)
        if version >= MIN_JAVA:
            return java
        tried.append(f"{java} (Java {version})")
    raise JavaNotFoundError(
        f"the Flink engine needs Java {MIN_JAVA}+, none found; tried {', '.join(tried)}; "
        + INSTALL_HINT
    )
