"""POST /models/select: the routing policy commands route with
(kyros.domain.routing_policies.system_policy), over the configuration the read model holds;
nothing is recorded."""

from __future__ import annotations

from kyros.domain.model_catalog import Catalog
from kyros.domain.routing import RoutingDecision, RoutingRequest, select_model
from kyros.domain.routing_policies import system_policy
from kyros.queries.configuration import get_configuration
from kyros.readstore.database import Database


def select_for(db: Database, catalog: Catalog, routing: RoutingRequest) -> RoutingDecision:
    models = get_configuration(db)["models"]
    return select_model(routing, system_policy(catalog, models))
