"""Wires the store, read models and workers for one process."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Collection
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
from anyio.abc import TaskGroup
from ulid import ULID

from kyros.audit.chainer import AuditChain, CheckpointPolicy
from kyros.audit.keys import load_signing_key
from kyros.cluster.leadership import LeaderSession
from kyros.cluster.signals import Pulse, listen_for_appends
from kyros.commands.alerts import RaiseProjectionAlert, ResolveProjectionAlert
from kyros.commands.decided import AnsweredAhead
from kyros.commands.registry import position_of, route_of, run_command
from kyros.commands.users import CreateUser
from kyros.domain.configuration import DEFAULTS
from kyros.domain.identity_errors import UsernameTaken
from kyros.domain.user import USER_ROLES
from kyros.eventstore.application import KyrosApplication, store_env
from kyros.eventstore.committed import note_committed, note_unread
from kyros.eventstore.current_configuration import CurrentConfiguration
from kyros.fanout.hub import Hub
from kyros.identity.oauth2 import OAuth2Login
from kyros.identity.oauth2_states import SqlStateStore
from kyros.identity.tokens import MIN_SECRET_BYTES, TokenService
from kyros.model_catalog_file import load_catalog
from kyros.projections.engine import ProjectionEngine
from kyros.projections.failures import ProjectionFailure, ProjectionStuck
from kyros.projections.registry import all_projections
from kyros.projections.worker import ProjectionWorkers
from kyros.queries.identity import count_users
from kyros.readstore.database import Database, open_database
from kyros.readstore.session_activity import SessionActivity
from kyros.scheduler.worker import Scheduler
from kyros.settings import Settings
from kyros.supervision import WorkerState, supervise
from kyros.webhooks.dispatcher import WebhookDispatcher
from kyros.webhooks.signing import SecretBox

log = logging.getLogger(__name__)

ISSUER = "kyros"
AUDIENCE = "kyros-api"
REFRESH_TTL = timedelta(days=14)
FIRST_ADMIN = "admin"


class Kyros:
    """Everything a process needs; HTTP, CLI and tests all start here."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        check_oauth2_settings(settings)
        self.catalog = load_catalog(settings.models_file)  # a bad models file fails first too
        default_ttl = timedelta(hours=DEFAULTS["security"]["jwt_expiration_hours"])
        self.tokens = TokenService(  # first: a bad secret fails before anything is opened
            signing_secret(settings), ISSUER, AUDIENCE, default_ttl, REFRESH_TTL
        )
        self.app = KyrosApplication(env=store_env(settings))
        self.db: Database = open_database(settings)
        self.configuration = CurrentConfiguration(self.app)  # read on every write request
        self.engine = ProjectionEngine(self.app, self.db, all_projections())
        self.engine.setup()
        self.oauth2 = oauth2_login(settings, self.db)
        self.sessions = SessionActivity(self.db)  # when each login session was last used
        self.sessions.create()
        self.answered_ahead = AnsweredAhead()  # writes answered before their read models
        self.appended = Pulse()
        self.app.add_listener(self.appended.fire_threadsafe)
        self.leaders = LeaderSession(  # one connection for every lease
            settings.database_url, settings.database_timeout_seconds
        )
        self.projections = ProjectionWorkers(
            self.engine,
            leaders=self.leaders,
            appended=self.appended,
            page_size=settings.projection_page_size,
            poll_seconds=settings.projection_poll_seconds,
            on_stuck=self._alert_stuck,
            on_recovered=self._resolve_stuck,
        )
        self.listener_state = WorkerState(name="log-listener")
        self.scheduler = Scheduler(
            self.app,
            self.db,
            leaders=self.leaders,
            progressed=self.projections.progressed,
            lease=timedelta(seconds=settings.agent_lease_seconds),
            catalog=self.catalog,
        )
        self.hub = Hub(
            self.app,
            self.appended,
            retention=settings.ws_resume_events,
            poll_seconds=settings.projection_poll_seconds,
        )
        self.webhook_secrets = SecretBox(signing_secret(settings))
        self.webhooks = WebhookDispatcher(
            self.app,
            self.db,
            settings,
            self.webhook_secrets,
            self.projections.progressed,
            self.leaders,
        )
        self.audit = audit_chain(settings, self.db, self.leaders, self.appended)

    def ensure_admin(self) -> str | None:
        """With no user in the store, creates the first admin (KYROS_ADMIN_USERNAME/PASSWORD,
        else `admin` and a generated password, which is returned so it can be shown once)."""
        try:
            self.engine.catch_up("users", self.settings.projection_page_size)
        except ProjectionStuck as stuck:  # its worker retries and health shows it: serve on
            log.error("starting with the users read model behind: %s", stuck)
        if count_users(self.db):
            return None
        password = self.settings.admin_password or secrets.token_urlsafe(18)
        command = CreateUser(
            user_id=ULID().to_uuid(),
            username=self.settings.admin_username or FIRST_ADMIN,
            password=password,
            roles=["admin"],
            actor="system",
        )
        try:
            run_command(self.app, self.catalog, command)
        except UsernameTaken:  # another process, starting at the same time, made it first
            return None
        return None if self.settings.admin_password else password

    def _alert_stuck(self, failure: ProjectionFailure) -> None:
        alert = RaiseProjectionAlert(
            projection=failure.name,
            position=failure.position,
            event_type=failure.event_type,
            error=failure.error,
        )
        run_command(self.app, self.catalog, alert)

    def _resolve_stuck(self, failure: ProjectionFailure) -> None:
        recovered = ResolveProjectionAlert(projection=failure.name, position=failure.position)
        run_command(self.app, self.catalog, recovered)

    def start_background(self, tg: TaskGroup) -> None:
        """Starts projection workers and, on PostgreSQL, the cross-process append listener."""
        self.appended.bind()
        self.projections.start(tg)
        tg.start_soon(supervise, self.scheduler.state, self.scheduler.run)
        self.hub.start(tg)
        self.webhooks.start(tg)
        tg.start_soon(supervise, self.audit.state, self.audit.run)
        if self.settings.database_url:
            channel = self.app.recorder.channel_name  # type: ignore[attr-defined]
            url = self.settings.database_url

            async def listen() -> None:
                await listen_for_appends(url, channel, self.appended)

            tg.start_soon(supervise, self.listener_state, listen)

    async def execute(self, command: object, created: dict[str, str] | None = None) -> Any:
        """Carries out `command` (kyros.commands.registry: its handler and conflict policy)
        off the event loop, then waits until the read models its route reads back include its
        events, so the answer and the caller's next read of them see it (other read models:
        the answer's `X-Kyros-Position` makes a later read wait, kyros.http.consistency).
        A route that `answers_from_command` does not wait. Either way the next read of any
        read model in this process waits for the write (`answered_ahead`). `created` names a
        new resource, for the answer given if reading it back fails
        (kyros.eventstore.committed). Returns what the handler returns."""
        route = route_of(command)
        try:
            result = await anyio.to_thread.run_sync(run_command, self.app, self.catalog, command)
        except route.committed_refusals:
            head = await anyio.to_thread.run_sync(self.app.head)
            await self.read_your_writes(head, names=route.read_back)
            raise
        position = position_of(result)
        if route.answers_from_command:
            note_committed(position, created)
        else:
            await self.read_your_writes(position, created, names=route.read_back)
        # Every read model: a write's events reach more than the ones it answers from (a
        # submit raises a budget alert, a cancel releases a reservation), and a later read
        # here must see them all; one already there costs that read nothing.
        self.answered_ahead.note(position, self.projections.names)
        return result

    async def read_your_writes(
        self,
        position: int,
        created: dict[str, str] | None = None,
        names: Collection[str] | None = None,
    ) -> None:
        """Notes `position` as this request's write (its answer is a success from here on,
        and carries it) and waits, bounded, until the read models in `names` (None: all)
        include it."""
        note_committed(position, created)
        if not position or (names is not None and not names):  # nothing to wait for
            return
        if not await self.projections.wait_for(
            position, self.settings.read_your_writes_seconds, names
        ):
            behind = ", ".join(names) if names is not None else "all"
            log.warning("read models still behind position %d (%s)", position, behind)
            note_unread()  # a "not found" reading it back now means "not there yet": 202

    def close(self) -> None:
        self.leaders.close()
        self.db.close()
        self.app.close()

    def __enter__(self) -> Kyros:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def check_oauth2_settings(settings: Settings) -> None:
    """A typo in the default role fails at start-up, not at someone's first login."""
    if settings.oauth2_default_role not in USER_ROLES:
        raise ValueError(f"KYROS_OAUTH2_DEFAULT_ROLE must be one of: {', '.join(USER_ROLES)}")


def audit_chain(
    settings: Settings, db: Database, leaders: LeaderSession, appended: Pulse
) -> AuditChain:
    """The chaining worker, with the one key every process signs checkpoints with."""
    policy = CheckpointPolicy(
        events=settings.audit_checkpoint_events,
        interval=timedelta(minutes=settings.audit_checkpoint_minutes),
    )
    key = load_signing_key(settings.audit_signing_key, settings.data_dir)
    if settings.is_postgres and not settings.audit_signing_key:
        log.info(
            "audit checkpoints are signed with the key in %s; processes that share no data"
            " directory need one KYROS_AUDIT_SIGNING_KEY",
            settings.data_dir,
        )
    return AuditChain(
        db,
        key,
        policy,
        leaders=leaders,
        appended=appended,
        poll_seconds=settings.projection_poll_seconds,
    )


def oauth2_login(settings: Settings, db: Database) -> OAuth2Login:
    """Login states live in the read-model database, so any process can finish a login."""
    states = SqlStateStore(db)
    states.create()
    return OAuth2Login(
        settings.oauth2_providers,
        states,
        allow_insecure_loopback=settings.oauth2_allow_insecure_loopback,
    )


def signing_secret(settings: Settings) -> bytes:
    """KYROS_JWT_SECRET, else `jwt.key` in the data directory, generated once with mode 0600.

    The file appears atomically (written aside, then hard-linked into place), so processes
    starting together all read the same complete key.
    """
    if settings.jwt_secret:
        secret = settings.jwt_secret.encode()
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"KYROS_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        return secret
    path = settings.data_dir / "jwt.key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        _create_key_file(path)
    return path.read_bytes().strip()


def _create_key_file(path: Path) -> None:
    draft = path.with_name(f".jwt.key.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_urlsafe(48).encode())
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)
