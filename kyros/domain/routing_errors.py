"""Refusals of the model catalog, the routing policy and agent role configuration."""

from __future__ import annotations

from kyros.domain.errors import DomainError, NotFound


class ModelNotFound(NotFound):
    """A model name that the catalog does not know; `field` says where the name came from."""

    code = "NOT_FOUND"
    status = 404

    def __init__(self, name: str, *, field: str | None = "model_name") -> None:
        super().__init__(f"Model {name!r} is not in the catalog", field=field)
        self.name = name


class ModelUnavailable(DomainError):
    """The model exists but cannot serve now (disabled, unavailable, or nothing is left)."""

    code = "MODEL_UNAVAILABLE"
    status = 503

    def __init__(self, issue: str, *, field: str | None = None) -> None:
        super().__init__(issue, field=field)


class BudgetExceeded(DomainError):
    """An explicitly requested premium model would cost more than the budget that remains."""

    code = "VALIDATION_ERROR"
    status = 422

    def __init__(self, issue: str, *, field: str | None = "context.budget_remaining") -> None:
        super().__init__(issue, field=field)


class InvalidConfiguration(DomainError):
    """A configuration value or partial update that would leave a role or policy unusable."""

    code = "VALIDATION_ERROR"
    status = 422


class ConstraintViolated(DomainError):
    """A task that breaks its role's constraints; raised before any agent spends tokens."""

    code = "VALIDATION_ERROR"
    status = 422

    def __init__(self, field: str, issue: str) -> None:
        super().__init__(issue, field=field)


class RoleNotFound(NotFound):
    """An agent role outside architect, implementer, critic and integrator."""

    code = "NOT_FOUND"
    status = 404

    def __init__(self, role: str) -> None:
        super().__init__(f"Agent role {role!r} does not exist", field="role")
        self.role = role


class InvalidRoutingRequest(DomainError):
    """A model-selection request whose inputs contradict each other or cannot be scored."""

    code = "VALIDATION_ERROR"
    status = 422
