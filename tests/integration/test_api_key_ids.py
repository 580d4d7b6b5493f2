"""An API key's id derives from its prefix, so the log can be searched by the prefix alone."""

from __future__ import annotations

import pytest

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import CreateApiKey, IssueApiKey, create_api_key, issue_api_key
from kyros.domain.api_key import ApiKey, api_key_id
from kyros.domain.errors import Conflict
from kyros.identity.api_keys import generate_api_key, verify_api_key
from kyros.ids import parse_id, public_id

pytestmark = pytest.mark.both_stores  # store-level: identity reads and writes


def test_an_issued_key_is_found_in_the_log_by_its_prefix(kyros: Kyros) -> None:
    issued = issue_api_key(kyros.app, IssueApiKey(name="ci", role="agent", actor="test"))

    assert issued.id == public_id("key", api_key_id(issued.key.prefix))
    key: ApiKey = kyros.app.repository.get(api_key_id(issued.key.prefix))
    assert verify_api_key(issued.key.plaintext, key.key_hash)
    assert (key.name, key.role, key.revoked) == ("ci", "agent", False)
    assert issued.position == kyros.app.head()


def test_a_second_key_with_a_taken_prefix_collides_and_saves_nothing(kyros: Kyros) -> None:
    """The collision `issue_api_key` redraws on; different digests, one prefix."""
    first, second = generate_api_key(), generate_api_key()
    prefix = first.prefix

    def create(key_hash: str) -> int:
        command = CreateApiKey(
            key_id=api_key_id(prefix),
            name="k",
            role="viewer",
            prefix=prefix,
            key_hash=key_hash,
            actor="test",
        )
        return create_api_key(kyros.app, command)

    head = create(first.hash)
    with pytest.raises(Conflict):
        create(second.hash)

    assert kyros.app.head() == head
    key: ApiKey = kyros.app.repository.get(api_key_id(prefix))
    assert key.key_hash == first.hash


def test_prefix_ids_are_stable_and_distinct() -> None:
    assert api_key_id("0123abcd") == api_key_id("0123abcd")
    assert api_key_id("0123abcd") != api_key_id("0123abce")
    assert parse_id("key", public_id("key", api_key_id("0123abcd"))) == api_key_id("0123abcd")
