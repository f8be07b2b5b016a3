"""openapi: /openapi.json describes every route, and the app honours it under fuzzing."""

from __future__ import annotations

import gc
import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

FUZZ_REQUESTS = 600
API_KEY = "fuzzing-key-0123456789"
# What the fuzzer checks: no 5xx, and every status, content type, header and body is described.
# (Schemathesis's "valid data accepted" check is left out on purpose: a schema cannot express
# that http://localhost/ is refused, so schema-valid URLs are rightly answered with 400.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
IMPLICIT_METHODS = {"OPTIONS", "HEAD"}


@pytest.fixture(autouse=True)
def no_garbage_left_by_earlier_tests() -> None:
    """Collect what earlier tests left before these tests import schemathesis's modules lazily.

    pytest rewrites those modules as they are imported, with `ast.parse`; on CPython 3.11.7 a
    garbage collection that runs finalizers in the middle of it (the connections of a test that
    stopped Redis) made it fail with "SystemError: AST constructor recursion depth mismatch".
    """
    gc.collect()


def openapi_path(rule: str) -> str:
    """Werkzeug's '/<code:code>+' written the OpenAPI way: '/{code}+'."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def routes(app: Flask) -> set[tuple[str, str]]:
    """(path, method) for every route of the app, HEAD only where it is a feature."""
    found = set()
    for rule in app.url_map.iter_rules():
        methods = set(rule.methods or ()) - IMPLICIT_METHODS
        if rule.endpoint == "pages.follow":
            methods.add("HEAD")
        found |= {(openapi_path(rule.rule), method) for method in methods}
    return found


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    verbs = {"get", "put", "post", "delete", "patch", "head", "options"}
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in verbs
    }


def test_openapi_json_is_served(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")


def test_every_route_is_documented_and_every_documented_route_exists(
    app: Flask, client: FlaskClient
) -> None:
    document = client.get("/openapi.json").get_json()
    assert routes(app) == documented(document)


def test_the_document_is_valid_for_schemathesis(app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results
    assert len(results) == len(documented(schema.raw_schema)) - 1  # all but /openapi.json


def test_fuzzing_finds_no_server_error_and_no_undocumented_answer(make_app: Any) -> None:
    app = make_app(API_KEY=API_KEY)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    cases = st.one_of(schema.as_strategy(), schema.as_strategy(GenerationMode.NEGATIVE))
    answered: Counter[tuple[str, int]] = Counter()

    @settings(
        max_examples=FUZZ_REQUESTS,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def fuzz(case: Any) -> None:
        response = case.call_and_validate(headers={"X-API-Key": API_KEY}, checks=CHECKS)
        answered[case.operation.label, response.status_code] += 1

    fuzz()
    assert sum(answered.values()) >= 500
    assert not any(status >= 500 for _label, status in answered)
    # The fuzzer reached the interesting answers, not only the errors.
    assert answered["POST /api/links", 201] > 0
    assert answered["GET /api/links", 200] > 0
