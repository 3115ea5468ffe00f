"""``/api/v1/me``: the signed-in user's own account."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.accounts import service
from app.accounts.schemas import ProfilePatchSchema, UserSchema
from app.auth.decorators import auth_required, current_user

blp = Blueprint("accounts", __name__, url_prefix="/api/v1/me", description="My account")


@blp.route("")
class Me(MethodView):
    @auth_required()
    @blp.response(200, UserSchema)
    def get(self):
        """My profile."""
        return current_user()

    @auth_required()
    @blp.arguments(ProfilePatchSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes):
        """Change my name, language or preferred payment method."""
        return service.update_profile(current_user(), changes)

    @auth_required()
    @blp.response(204)
    def delete(self):
        """Delete my account: personal data is erased, tickets and payments stay anonymised.

        Money first: a wallet balance becomes a pending M-Pesa payout to this account's
        number (the platform pays it), and an SMS in the account's language says so before
        the number is forgotten. Tickets already bought stay valid (their code and QR
        still board) without the passenger's name. Every session ends; the number can
        sign up again as a new account.
        """
        service.delete_account(current_user())


@blp.route("/deactivate")
class Deactivate(MethodView):
    @auth_required()
    @blp.response(204)
    def post(self):
        """Pause my account and end every session; signing in again reactivates it."""
        service.deactivate(current_user())
