"""Carrier endpoints for price rules: ``/api/v1/carriers/{carrier_id}/price-rules`` (scoped by ``api.scope``)."""
from __future__ import annotations

from flask.views import MethodView

from app.auth.decorators import auth_required
from app.catalog.api import ADMINS, nonempty, scope
from app.catalog.api import trips_blp as blp
from app.catalog.common import owned
from app.catalog.pricerules import service
from app.catalog.pricerules.models import PriceRule
from app.catalog.pricerules.schemas import PriceRuleInSchema, PriceRulePatchSchema, PriceRuleSchema


@blp.route("/<int:carrier_id>/price-rules")
class PriceRules(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, PriceRuleSchema(many=True))
    def get(self, carrier_id):
        """The carrier's rules, in the order they apply (priority, then id)."""
        return service.list_rules(scope(carrier_id).id)

    @auth_required(*ADMINS)
    @blp.arguments(PriceRuleInSchema)
    @blp.response(201, PriceRuleSchema)
    def post(self, data, carrier_id):
        """A change on top of the base fares (a percentage or an amount) and when it applies.

        Conditions left out match every ride. 422 ``price-not-positive`` (naming the rule)
        when the carrier's rules, all applying at once, could price a fare at or below zero.
        """
        return service.create_rule(scope(carrier_id), data)


@blp.route("/<int:carrier_id>/price-rules/<int:rule_id>")
class PriceRuleOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, PriceRuleSchema)
    def get(self, carrier_id, rule_id):
        return owned(PriceRule, scope(carrier_id).id, rule_id)

    @auth_required(*ADMINS)
    @blp.arguments(PriceRulePatchSchema)
    @blp.response(200, PriceRuleSchema)
    def patch(self, data, carrier_id, rule_id):
        """Change a rule (orders already held or paid keep their price)."""
        carrier = scope(carrier_id)
        return service.change_rule(carrier, owned(PriceRule, carrier.id, rule_id), nonempty(data))

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, rule_id):
        service.delete_rule(owned(PriceRule, scope(carrier_id).id, rule_id))
