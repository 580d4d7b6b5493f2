"""Logging in with an OAuth2/OIDC provider: an existing link, a verified e-mail, or a new user."""

from __future__ import annotations

import secrets
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from kyros.commands.sessions import Session, open_session
from kyros.commands.users import find_user, load_user
from kyros.domain.external_identity import (
    ExternalAccount,
    email_owner,
    external_account_id,
    username_candidates,
)
from kyros.domain.identity_errors import UsernameTaken
from kyros.domain.user import User, Username
from kyros.eventstore.application import KyrosApplication
from kyros.identity.oauth2_claims import ExternalIdentity
from kyros.identity.passwords import hash_password


class LogInWithProvider(msgspec.Struct, frozen=True, kw_only=True):
    """What the provider vouched for, the users the read model lists with that e-mail, the
    role a new user gets, and the new ids (`user_id` is used only when one is provisioned)."""

    identity: ExternalIdentity
    email_owners: list[str]
    default_role: str
    user_id: UUID
    family_id: UUID
    token_id: str


def log_in_with_provider(app: KyrosApplication, cmd: LogInWithProvider) -> Session:
    """A lost race (the same first login, or the same username, saved first by another
    request) saves nothing; its registered policy decides again, finding what the winner
    saved (kyros.commands.registry)."""
    user, claims = _decide(app, cmd)
    return open_session(app, user, cmd.family_id, cmd.token_id, *claims)


def find_linked_user(app: KyrosApplication, provider: str, subject: str) -> User | None:
    """Through the claim, like `find_user`: exact even before read models catch up."""
    try:
        claim: ExternalAccount = app.repository.get(external_account_id(provider, subject))
    except AggregateNotFoundError:
        return None
    return load_user(app, claim.user_id)


def _decide(app: KyrosApplication, cmd: LogInWithProvider) -> tuple[User, list[Aggregate]]:
    identity = cmd.identity
    user = find_linked_user(app, identity.provider, identity.subject)
    if user is not None:
        user.check_can_sign_in_externally()
        return user, []
    owner = email_owner(identity.email_verified, cmd.email_owners)
    user, claims = (load_user(app, owner), []) if owner else _provision(app, cmd)
    user.check_can_sign_in_externally()
    return user, [*claims, _link(user, identity)]


def _link(user: User, identity: ExternalIdentity) -> ExternalAccount:
    """Records the link on the user; the claim makes the link unique to this user."""
    user.link_external_identity(
        provider=identity.provider,
        subject=identity.subject,
        email=identity.email,
        email_verified=identity.email_verified,
        actor=_actor(identity),
    )
    return ExternalAccount(
        provider=identity.provider, subject=identity.subject, user_id=user.public_id
    )


def _provision(app: KyrosApplication, cmd: LogInWithProvider) -> tuple[User, list[Aggregate]]:
    """No usable password: the hash is of a random secret that is discarded at once. Only a
    verified e-mail is kept, since a later login joins this user by it."""
    identity = cmd.identity
    candidates = username_candidates(identity.email, identity.name, identity.provider, cmd.user_id)
    username = next((name for name in candidates if find_user(app, name) is None), None)
    if username is None:
        raise UsernameTaken(f"derived from the {identity.provider} profile")
    user = User(
        user_id=cmd.user_id,
        username=username,
        email=identity.email if identity.email_verified else None,
        name=identity.name,
        password_hash=hash_password(secrets.token_urlsafe(32)),
        roles=[cmd.default_role],
        actor=_actor(identity),
    )
    return user, [Username(username=username, user_id=user.public_id)]


def _actor(identity: ExternalIdentity) -> str:
    return f"oauth2:{identity.provider}"
