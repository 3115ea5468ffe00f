"""``/api/v1/admin``: platform admins grant roles and list users.

Only ``platform_admin`` may call these: a carrier admin managing its own drivers would
need carrier scoping rules the issue did not ask for, so that is left to a later change.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, Page
from sqlalchemy import func, select

from app.auth import service
from app.auth.decorators import auth_required, current_user
from app.auth.schemas import RoleGrantSchema, UserQuerySchema, UserSchema
from app.core.input_guard import DB_INT_MAX
from app.extensions import db

blp = Blueprint("admin_users", __name__, url_prefix="/api/v1/admin", description="User and role administration")


class _QueryPage(Page):
    """Paginate a SQLAlchemy select: count it, then fetch one page."""

    @property
    def item_count(self):
        return db.session.scalar(select(func.count()).select_from(self.collection.subquery()))

    @property
    def items(self):
        if self.page_params.first_item > DB_INT_MAX:  # past every row; too far for OFFSET (a 500 before)
            return []
        query = self.collection.offset(self.page_params.first_item).limit(self.page_params.page_size)
        return db.session.scalars(query).all()


@blp.route("/role-grants")
class RoleGrants(MethodView):
    @auth_required("platform_admin")
    @blp.arguments(RoleGrantSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Give a phone number a role (creating the account when absent)."""
        return service.grant_role(
            data["phone"], data["role"], data["carrier_id"], granted_by=current_user()
        )


@blp.route("/users")
class Users(MethodView):
    @auth_required("platform_admin")
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(_QueryPage)
    def get(self, args):
        """Users (not deleted), newest first, filtered by role and carrier."""
        return service.list_users(role=args.get("role"), carrier_id=args.get("carrier_id"))
