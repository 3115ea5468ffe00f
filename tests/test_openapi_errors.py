"""The OpenAPI document describes errors as they are: problem+json, statuses listed per operation."""
from __future__ import annotations

from app.core.problem_docs import SPECIFIC
from app.errors import PROBLEM_JSON


def _document(client) -> dict:
    return client.get("/api/openapi.json").get_json()


def _resolve(document, response):
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response


def test_every_error_response_is_problem_json(client):
    document = _document(client)
    seen = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for code, response in operation["responses"].items():
                if code == "default" or int(code) >= 400:
                    content = _resolve(document, response).get("content", {})
                    assert list(content) == [PROBLEM_JSON], (method, path, code, content)
                    seen += 1
    assert seen > 200


def test_every_operation_lists_its_common_errors(client):
    document = _document(client)
    orders = document["paths"]["/api/v1/orders"]["post"]["responses"]
    assert {"400", "401", "403", "409", "413", "415", "422"} <= set(orders)
    assert "402" in document["paths"]["/api/v1/orders/{order_id}/payments"]["post"]["responses"]
    assert "404" in document["paths"]["/api/v1/trips/{trip_id}"]["get"]["responses"]
    assert "401" not in document["paths"]["/api/v1/trips/{trip_id}"]["get"]["responses"]  # public


def test_each_specific_error_names_a_real_operation(client):
    paths = _document(client)["paths"]
    missing = [(m, p) for m, p in SPECIFIC if m not in paths.get(p, {})]
    assert missing == []
