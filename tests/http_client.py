"""Test HTTP clients that share one TLS context.

httpx builds a TLS context for every client, loading the CA bundle (~80 ms on a busy machine),
even for the plain-HTTP loopback servers the tests talk to; the suite makes thousands of clients.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

TLS = ssl.create_default_context()


def http_client(**options: Any) -> httpx.Client:
    """`httpx.Client(**options)`, verifying with the shared context."""
    return httpx.Client(verify=TLS, **options)
