"""The OpenAPI document teaches: an introduction, an example for every request body that
the endpoint really accepts, money as one ``Money`` type, errors as one ``Problem`` type."""
from __future__ import annotations

import re

import pytest
from marshmallow import ValidationError

from app.extensions import api

MONEY = "#/components/schemas/Money"


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").get_json()


def request_bodies(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                for media_type, media in operation["requestBody"]["content"].items():
                    yield f"{method.upper()} {path} ({media_type})", media


def check(value, schema, spec, where="body") -> list[str]:
    """The parts of JSON Schema (OpenAPI 3.0) this document uses; the problems found."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null"]
    problems = []
    for part in schema.get("allOf", []):
        problems += check(value, part, spec, where)
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float)}
    if kind and (not isinstance(value, types[kind]) or (kind in ("integer", "number") and isinstance(value, bool))):
        return problems + [f"{where}: {value!r} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            problems.append(f"{where}: {value} out of range")
    if isinstance(value, str):
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            problems.append(f"{where}: length of {value!r}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            problems.append(f"{where}: {len(value)} items")
        for i, item in enumerate(value):
            problems += check(item, schema.get("items", {}), spec, f"{where}[{i}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        problems += [f"{where}.{name}: required" for name in schema.get("required", []) if name not in value]
        for name, item in value.items():
            if name in properties:
                if properties[name].get("readOnly"):
                    problems.append(f"{where}.{name}: read-only")
                problems += check(item, properties[name], spec, f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{where}.{name}: unknown field")
    return problems


def test_introduction_teaches_sign_in_and_the_conventions(spec):
    intro = spec["info"]["description"]
    for needed in ("POST /api/v1/auth/otp", "POST /api/v1/auth/token", "/dev/outbox?to=",
                   "Authorization: Bearer <access_token>", '{"amount": 150000, "currency": "KES"}',
                   "application/problem+json", "Idempotency-Key", "ISO 8601"):
        assert needed in intro, needed


def test_every_request_body_has_an_example_its_endpoint_accepts(app, spec):
    classes = {name: key[0] for key, name in api.ma_plugin.converter.refs.items()}
    bodies = list(request_bodies(spec))
    assert len(bodies) >= 28
    for where, media in bodies:
        assert "example" in media or "examples" in media, f"{where} has no example"
        examples = [media["example"]] if "example" in media else [e["value"] for e in media["examples"].values()]
        for example in examples:
            assert check(example, media["schema"], spec) == [], where  # as documented
            schema_class = classes[media["schema"]["$ref"].rsplit("/", 1)[-1]]
            try:  # and as the endpoint loads it (every validator of the schema runs)
                schema_class().load(example)
            except ValidationError as error:
                pytest.fail(f"{where}: its example is refused: {error.messages}")


def test_the_example_checker_catches_a_wrong_example(spec):
    money = {"$ref": MONEY}
    assert check({"amount": 150000, "currency": "KES"}, money, spec) == []
    assert check(150000, money, spec) == ["body: 150000 is not object"]
    assert check({"amount": "1500", "currency": "KES", "x": 1}, money, spec) == [
        "body.amount: '1500' is not integer", "body.x: unknown field"]


def _properties(spec):
    """(schema name, property name, property schema) of every component, nested maps included."""
    for name, schema in spec["components"]["schemas"].items():
        for prop, sub in schema.get("properties", {}).items():
            yield name, prop, sub
            while sub.get("type") in ("array", "object") and isinstance(sub.get("items", sub.get("additionalProperties")), dict):
                sub = sub.get("items") or sub.get("additionalProperties")
                yield name, prop, sub
            for inner, deeper in sub.get("properties", {}).items():
                yield name, f"{prop}.{inner}", deeper


def _is_money(sub) -> bool:
    return sub.get("$ref") == MONEY or any(part.get("$ref") == MONEY
                                           for part in sub.get("allOf", []) + sub.get("anyOf", []))


# property names that carry money wherever they appear (counts such as orders_refunded do not)
MONEY_WORDS = re.compile(r"^(amount|price|total|refund|refunded|balance|threshold|fees?|gross|net|net_payable|"
                         r"balance_payable|payouts_pending|commission|min|max)$")


def test_money_is_typed_as_the_money_component_everywhere(spec):
    money = spec["components"]["schemas"]["Money"]
    assert money["properties"]["amount"]["type"] == "integer" and money["properties"]["currency"]["type"] == "string"
    assert set(money["required"]) == {"amount", "currency"}
    wrong = []
    for schema, prop, sub in _properties(spec):
        if schema in ("Money", "PaginationMetadata", "Problem"):
            continue
        leaf = prop.rsplit(".", 1)[-1]
        if MONEY_WORDS.search(leaf) and sub.get("type") in ("integer", "number", None) and not _is_money(sub) \
                and "properties" not in sub and "$ref" not in sub:
            wrong.append(f"{schema}.{prop}")
        if set(sub.get("properties", {})) == {"amount", "currency"}:
            wrong.append(f"{schema}.{prop} (a copy of Money)")
    assert wrong == [], f"money not typed as Money: {wrong}"
    # and the ones a newcomer meets first, by name
    schemas = spec["components"]["schemas"]
    for schema, prop in [("TopUp", "amount"), ("AutoRecharge", "threshold"), ("FareIn", "price"), ("Payment", "amount"),
                         ("Order", "total"), ("OrderItem", "price"), ("Wallet", "balance"), ("CancellationQuote", "refund")]:
        assert _is_money(schemas[schema]["properties"][prop]), (schema, prop)
    assert schemas["Offer"]["properties"]["prices"]["additionalProperties"] == {"$ref": MONEY}


def test_problem_component_is_the_error_shape_the_api_answers(client, spec):
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "errors"}
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    answered = client.post("/api/v1/auth/otp", json={"phone": "not a phone"})
    assert answered.status_code == 422 and answered.mimetype == "application/problem+json"
    assert check(answered.get_json(), {"$ref": "#/components/schemas/Problem"}, spec) == []


def test_payment_and_ticket_names_match_what_requests_and_trips_say(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["Payment"]["properties"]["method"]["enum"] == schemas["PaymentCreate"]["properties"]["method"]["enum"]
    leg = schemas["TicketDetail"]["properties"]["trip"]["properties"]
    assert "departure_at" in leg and "departure_local" not in leg
    assert "departure_at" in schemas["Trip"]["properties"] and "departure_at" in schemas["Order"]["properties"]
    assert not [name for name in schemas if "departure_local" in schemas[name].get("properties", {})]
