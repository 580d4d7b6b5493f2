"""Every read model Kyros maintains, by name."""

from __future__ import annotations

from kyros.projections.api_keys import ApiKeysProjection
from kyros.projections.configuration import ConfigurationProjection
from kyros.projections.engine import Projection
from kyros.projections.tasks import TasksProjection
from kyros.projections.token_families import TokenFamiliesProjection
from kyros.projections.users import UsersProjection


def all_projections() -> list[Projection]:
    return [
        TasksProjection(),
        ConfigurationProjection(),
        UsersProjection(),
        ApiKeysProjection(),
        TokenFamiliesProjection(),
    ]
