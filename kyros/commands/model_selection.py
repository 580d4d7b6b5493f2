"""POST /models/select: the routing policy over the configured models; nothing is recorded.

It lives beside the commands because it decides with the same policy they route with
(kyros.commands.models.system_policy), over the configuration the read model holds.
"""

from __future__ import annotations

from kyros.commands.models import system_policy
from kyros.domain.models import Catalog
from kyros.domain.routing import RoutingDecision, RoutingRequest, select_model
from kyros.queries.configuration import get_configuration
from kyros.store.database import Database


def select_for(db: Database, catalog: Catalog, routing: RoutingRequest) -> RoutingDecision:
    models = get_configuration(db)["models"]
    return select_model(routing, system_policy(catalog, models))
