"""Service API keys."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from kyros.identity import api_keys
from kyros.identity.api_keys import (
    api_key_prefix,
    generate_api_key,
    hash_api_key,
    looks_like_api_key,
    verify_api_key,
)

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl"


def test_a_generated_key_has_the_kyk_prefix_secret_format() -> None:
    plaintext, prefix, _ = generate_api_key()
    assert re.fullmatch(r"kyk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", plaintext)
    assert plaintext.startswith(f"kyk_{prefix}_")


def test_the_stored_hash_is_the_sha256_of_the_key_and_not_the_key() -> None:
    plaintext, _, digest = generate_api_key()
    assert digest == hashlib.sha256(plaintext.encode()).hexdigest() == hash_api_key(plaintext)
    assert plaintext not in digest


def test_every_generated_key_is_different() -> None:
    keys = {generate_api_key().plaintext for _ in range(100)}
    assert len(keys) == 100


def test_the_repr_of_a_generated_key_hides_the_plaintext() -> None:
    key = generate_api_key()
    assert key.plaintext not in repr(key)
    assert key.prefix in repr(key)


def test_a_generated_key_looks_like_an_api_key_and_a_jwt_does_not() -> None:
    assert looks_like_api_key(generate_api_key().plaintext)
    assert not looks_like_api_key(JWT)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "kyk_",
        "kyk_0123abcd_short",
        "kyx_0123abcd_" + "a" * 43,
        "kyk_0123ABCD_" + "a" * 43,
        "kyk_0123_bcd_" + "a" * 43,
        "kyk_0123abcd_" + "a" * 42 + "=",
        "kyk_0123abcd_" + "a" * 43 + "\n",
        " kyk_0123abcd_" + "a" * 43,
    ],
)
def test_near_misses_do_not_look_like_api_keys(value: str) -> None:
    assert not looks_like_api_key(value)
    assert api_key_prefix(value) is None


def test_the_prefix_can_be_read_back_from_a_key_for_lookup() -> None:
    key = generate_api_key()
    assert api_key_prefix(key.plaintext) == key.prefix


def test_the_right_key_verifies_against_its_stored_hash() -> None:
    key = generate_api_key()
    assert verify_api_key(key.plaintext, key.hash)


def test_a_key_differing_in_one_character_does_not_verify() -> None:
    key = generate_api_key()
    last = key.plaintext[-1]
    altered = key.plaintext[:-1] + ("A" if last != "A" else "B")
    assert not verify_api_key(altered, key.hash)
    assert not verify_api_key(generate_api_key().plaintext, key.hash)


def test_verification_compares_digests_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def recording_compare(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(api_keys.hmac, "compare_digest", recording_compare)
    key = generate_api_key()
    assert verify_api_key(key.plaintext, key.hash)
    assert calls == [(key.hash.encode(), key.hash.encode())]
