"""The one function catalog: substrait-python's ExtensionRegistry over the standard YAMLs.

Plans name extensions by URN (current spec) or by URI (older producers, written as full
URLs, bare file names like ``/functions_arithmetic.yaml``, or not at all). Everything that
needs a function's signature goes through :func:`registry` and :func:`urn_for_uri`.
"""

from __future__ import annotations

import functools
import posixpath
import re

from substrait.extension_registry import ExtensionRegistry

STANDARD_URN_PREFIX = "extension:io.substrait:"


@functools.cache
def registry() -> ExtensionRegistry:
    """The process-wide registry of the standard extension functions (loaded once)."""
    return ExtensionRegistry(load_default_extensions=True)


_YAML_NAME = re.compile(r"([A-Za-z0-9_]+)\.ya?ml$")


@functools.lru_cache(maxsize=1024)  # the standard catalog never changes; plans repeat URIs
def urn_for_uri(uri: str) -> str | None:
    """The standard URN an extension URI refers to, or None when it is not a standard one.

    ``https://github.com/substrait-io/substrait/blob/main/extensions/functions_arithmetic.yaml``,
    ``/functions_arithmetic.yaml`` and ``functions_arithmetic.yaml`` all map to
    ``extension:io.substrait:functions_arithmetic``; a URN passes through unchanged.
    """
    if uri.startswith("extension:"):
        return uri
    match = _YAML_NAME.search(posixpath.basename(uri.strip()))
    if not match:
        return None
    urn = STANDARD_URN_PREFIX + match.group(1)
    return urn if registry().has_urn(urn) else None


def legacy_uri_for_urn(urn: str) -> str:
    """The conventional URI older consumers expect for a standard URN.

    A value that is not a URN (a URI kept from an older plan) is returned as it is.
    """
    if not urn.startswith(STANDARD_URN_PREFIX):
        return urn
    name = urn.rsplit(":", 1)[-1]
    return f"https://github.com/substrait-io/substrait/blob/main/extensions/{name}.yaml"
