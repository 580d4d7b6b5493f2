"""Argon2id password hashing."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from kyros.identity.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_dummy,
    verify_password,
)


def test_a_hash_is_an_argon2id_phc_string_that_does_not_contain_the_password() -> None:
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert extract_parameters(hashed).type is Type.ID
    assert "correct horse" not in hashed


def test_the_same_password_hashes_differently_each_time_because_of_the_salt() -> None:
    assert hash_password("same") != hash_password("same")


def test_the_right_password_verifies() -> None:
    assert verify_password(hash_password("s3cret!"), "s3cret!") is True


def test_a_wrong_password_answers_false_instead_of_raising() -> None:
    assert verify_password(hash_password("s3cret!"), "s3cret?") is False


def test_an_unreadable_stored_hash_answers_false_and_logs_without_the_hash(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="kyros.identity.passwords"):
        assert verify_password("not-a-hash-XYZZY", "whatever") is False
    assert caplog.records
    assert "XYZZY" not in caplog.text


def test_a_fresh_hash_needs_no_rehash() -> None:
    assert needs_rehash(hash_password("pw")) is False


def test_a_hash_made_with_weaker_parameters_needs_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    assert verify_password(weak, "pw") is True
    assert needs_rehash(weak) is True


def test_an_unreadable_hash_needs_a_rehash() -> None:
    assert needs_rehash("garbage") is True


def test_the_dummy_hash_uses_the_same_parameters_as_real_hashes() -> None:
    assert extract_parameters(dummy_hash()) == extract_parameters(hash_password("pw"))
    assert dummy_hash() is dummy_hash()  # made once per process


@pytest.mark.parametrize("attempt", ["", "password", "x" * 200])
def test_the_dummy_verification_never_succeeds(attempt: str) -> None:
    assert verify_dummy(attempt) is False


def _median_seconds(action: Callable[[], object], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def test_an_unknown_user_costs_about_as_much_time_as_a_wrong_password() -> None:
    stored = hash_password("real password")
    wrong_password = _median_seconds(lambda: verify_password(stored, "guess"))
    unknown_user = _median_seconds(lambda: verify_dummy("guess"))
    assert 0.5 < unknown_user / wrong_password < 2.0
