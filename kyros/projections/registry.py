"""Every read model Kyros maintains, by name."""

from __future__ import annotations

from kyros.projections.configuration import ConfigurationProjection
from kyros.projections.engine import Projection
from kyros.projections.tasks import TasksProjection


def all_projections() -> list[Projection]:
    return [TasksProjection(), ConfigurationProjection()]
