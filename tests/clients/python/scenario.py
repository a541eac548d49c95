"""A partner system's view of trustplan, through the client that
openapi-python-client generates from openapi/openapi.json.

../run.sh generates and installs the `trustplan_client` package, then runs
this against a served app with the demo data loaded. Every request goes
through a generated API function (`sync_detailed`) with generated models; an
unexpected status or body ends it with a non-zero exit.

Env: BASE_URL (e.g. http://127.0.0.1:8091), TRUSTPLAN_ADMIN_TOKEN (an admin JWT).
"""

from __future__ import annotations

import io
import os
import sys
import time
import uuid
from http import HTTPStatus
from typing import Any, TypeVar

from trustplan_client import AuthenticatedClient, Client
from trustplan_client.api.auth import issue_token
from trustplan_client.api.indicators import import_values, list_indicators, put_indicator_value
from trustplan_client.api.organisations import list_organisations
from trustplan_client.api.service_accounts import create_service_account, delete_service_account
from trustplan_client.models import (
    CreatedServiceAccount,
    ErrorBody,
    ImportReport,
    ImportRequest,
    ImportRowInput,
    IndicatorPage,
    IndicatorValue,
    NewServiceAccount,
    OrganisationPage,
    Role,
    Series,
    ServiceAccount,
    TokenRequest,
    TokenResponse,
    ValueBody,
)
from trustplan_client.types import File, Response, Unset

T = TypeVar("T")

INDICATOR_REF = "NI147"  # Care leavers in suitable accommodation: a percentage, quarterly
PERIOD = "FY2009-10-Q1"  # long started, so an actual may be recorded
BREAKDOWN = "Client scenario"  # a sub-group of its own: the demo's headline figures stay as they are


class ScenarioError(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise ScenarioError(f"check failed: {what}")


def describe(problem: object) -> str:
    if not isinstance(problem, ErrorBody):
        return f"(body not parsed as a problem: {problem!r})"
    fields = "; ".join(f"{e.pointer}: {e.message}" for e in (problem.errors or []))
    return f"{problem.type_} {problem.title}: {problem.detail or ''}" + (f" [{fields}]" if fields else "")


def expect(step: str, response: Response[T | ErrorBody], statuses: set[int], model: type[T]) -> T:
    """The parsed body of a response that must succeed with one of `statuses`."""
    if response.status_code not in statuses:
        raise ScenarioError(
            f"{step}: expected {sorted(statuses)}, got {response.status_code} {describe(response.parsed)}"
        )
    parsed = response.parsed
    if not isinstance(parsed, model):
        raise ScenarioError(
            f"{step}: the {response.status_code} body was not parsed into the generated model {model.__name__} "
            f"but into {type(parsed).__name__}: {parsed!r}"
        )
    print(f"ok   {step}: {response.status_code}")
    return parsed


def expect_problem(step: str, response: Response[Any], status: int) -> ErrorBody:
    """The parsed problem body of a response that must fail with `status`."""
    if response.status_code != status:
        raise ScenarioError(f"{step}: expected {status}, got {response.status_code}: {response.content[:500]!r}")
    content_type = response.headers.get("content-type", "")
    check(content_type.startswith("application/problem+json"), f"{step}: Content-Type {content_type}")
    problem = response.parsed
    if not isinstance(problem, ErrorBody):
        raise ScenarioError(f"{step}: the {status} body was not parsed into ErrorBody: {problem!r}")
    check(problem.status == status, f"{step}: problem status {problem.status} = {status}")
    check(problem.type_.startswith("urn:trustplan:problem:"), f"{step}: problem type {problem.type_}")
    print(f"ok   {step}: {status} {problem.type_}")
    return problem


def etag_of(step: str, response: Response[Any]) -> str:
    etag = response.headers.get("etag")
    check(etag is not None and etag.startswith('"') and etag.endswith('"'), f"{step}: a strong ETag, got {etag!r}")
    assert etag is not None
    return etag


def env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ScenarioError(f"{name} is not set")
    return value


def main() -> None:
    base_url = env("BASE_URL").rstrip("/")
    admin = AuthenticatedClient(base_url=base_url, token=env("TRUSTPLAN_ADMIN_TOKEN"), raise_on_unexpected_status=True)
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)

    # 1. The organisation the account will act for.
    orgs = expect(
        "GET /api/v1/organisations?code=HBC",
        list_organisations.sync_detailed(client=admin, code=["HBC"]),
        {200},
        OrganisationPage,
    )
    check(len(orgs.items) == 1, f"one organisation HBC, got {len(orgs.items)}")
    hbc = orgs.items[0]

    # 2. A service account for a partner system, as an admin; the secret is shown once.
    created_response = create_service_account.sync_detailed(
        client=admin,
        body=NewServiceAccount(
            name=f"Client scenario feed {time.strftime('%Y-%m-%dT%H:%M:%S')}",
            role=Role.EDITOR,
            organisation_id=hbc.id,
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    account = expect("POST /api/v1/service-accounts", created_response, {201}, CreatedServiceAccount)
    check(account.role == Role.EDITOR, f"role {account.role}")
    check(account.organisation_id == hbc.id and account.organisation.code == "HBC", "organisation HBC")
    check(len(account.client_secret) >= 16, "a client secret in the answer")
    check(account.archived_at is None, "not archived")
    account_etag = etag_of("POST service account", created_response)
    print(f"     account {account.client_id} ({account.role.value}, {account.organisation.code})")

    # 3. Its credentials for a token, and a wrong secret refused.
    token = expect(
        "POST /api/v1/auth/token",
        issue_token.sync_detailed(
            client=anonymous,
            body=TokenRequest(client_id=account.client_id, client_secret=account.client_secret),
        ),
        {200},
        TokenResponse,
    )
    check(token.token_type == "Bearer", f"token_type {token.token_type}")
    check(token.expires_in > 0, f"expires_in {token.expires_in}")
    expect_problem(
        "POST /api/v1/auth/token with a wrong secret",
        issue_token.sync_detailed(
            client=anonymous,
            body=TokenRequest(client_id=account.client_id, client_secret=account.client_secret + "x"),
        ),
        401,
    )
    partner = AuthenticatedClient(base_url=base_url, token=token.access_token, raise_on_unexpected_status=True)

    # 4. As the partner system: the indicator, and a value for it.
    indicators = expect(
        f"GET /api/v1/indicators?ref={INDICATOR_REF}",
        list_indicators.sync_detailed(client=partner, ref=[INDICATOR_REF]),
        {200},
        IndicatorPage,
    )
    check(len(indicators.items) == 1, f"one indicator {INDICATOR_REF}, got {len(indicators.items)}")
    indicator = indicators.items[0]
    check(indicator.unit.value == "percent", f"{INDICATOR_REF} is a percentage, got {indicator.unit}")

    figure = round(60 + (time.time() % 300) / 10, 1)
    path = f"/api/v1/indicators/{INDICATOR_REF}/values/area/{PERIOD}?breakdown={BREAKDOWN}"
    first_response = put_indicator_value.sync_detailed(
        indicator.id,
        Series.AREA,
        PERIOD,
        client=partner,
        breakdown=BREAKDOWN,
        body=ValueBody(value=figure, numerator=figure * 10, denominator=1000.0, note="From the client scenario."),
    )
    first = expect(f"PUT {path}", first_response, {200, 201}, IndicatorValue)
    first_etag = etag_of("PUT value", first_response)
    check(first.value == figure, f"value {first.value} = {figure}")
    check(first.series == Series.AREA and first.period.code == PERIOD, "series and period as sent")
    check(first.breakdown == BREAKDOWN, f"breakdown {first.breakdown!r}")
    check(first_etag == f'"{first.version}"', f"ETag {first_etag} is the version {first.version}")

    # 5. A replacement with the current ETag as If-Match.
    second_response = put_indicator_value.sync_detailed(
        indicator.id,
        Series.AREA,
        PERIOD,
        client=partner,
        breakdown=BREAKDOWN,
        if_match=first_etag,
        body=ValueBody(value=figure + 0.5, note="Corrected by the client scenario."),
    )
    second = expect(f"PUT {path} (If-Match {first_etag})", second_response, {200}, IndicatorValue)
    check(second.value == figure + 0.5, f"value replaced: {second.value}")
    check(second.version == first.version + 1, f"version {first.version} -> {second.version}")

    # 6. 412: a replacement based on the stale ETag is refused, nothing is lost.
    stale = expect_problem(
        f"PUT {path} with a stale If-Match {first_etag}",
        put_indicator_value.sync_detailed(
            indicator.id,
            Series.AREA,
            PERIOD,
            client=partner,
            breakdown=BREAKDOWN,
            if_match=first_etag,
            body=ValueBody(value=1.0),
        ),
        HTTPStatus.PRECONDITION_FAILED,
    )
    check(stale.type_ == "urn:trustplan:problem:precondition_failed", f"problem type {stale.type_}")

    # 7. 422: a percentage over 100 is invalid, and the problem names the field.
    invalid = expect_problem(
        f"PUT {path} with value 150 (a percentage)",
        put_indicator_value.sync_detailed(
            indicator.id,
            Series.AREA,
            PERIOD,
            client=partner,
            breakdown=BREAKDOWN,
            body=ValueBody(value=150.0),
        ),
        HTTPStatus.UNPROCESSABLE_ENTITY,
    )
    errors = invalid.errors
    if isinstance(errors, Unset) or not errors:
        raise ScenarioError(f"no errors listed: {describe(invalid)}")
    check(any(e.pointer == "/value" for e in errors), f"an error for /value: {describe(invalid)}")
    print(f"     422 errors: {'; '.join(f'{e.pointer}: {e.message}' for e in errors)}")

    # 8. The same figure as a CSV import, checked only (dry run): the body goes as text/csv.
    csv = f"indicator_ref,period,series,breakdown,value,note\n{INDICATOR_REF},{PERIOD},area,{BREAKDOWN},{figure},\n"
    report = expect(
        "POST /api/v1/indicators/values/import?dry_run=true",
        import_values.sync_detailed(
            client=partner,
            dry_run=True,
            body=File(payload=io.BytesIO(csv.encode()), file_name="values.csv", mime_type="text/csv"),
        ),
        {200},
        ImportReport,
    )
    check(report.dry_run and report.rows == 1 and len(report.results) == 1, f"one row checked: {report}")
    row = report.results[0]
    check(row.outcome.value == "replaced" and row.series == Series.AREA, f"the row would replace: {row}")

    # 8b. The same row as JSON, through the generated models: the import a generated client calls.
    report = expect(
        "POST /api/v1/indicators/values/import?dry_run=true (JSON)",
        import_values.sync_detailed(
            client=partner,
            dry_run=True,
            body=ImportRequest(
                rows=[
                    ImportRowInput(
                        indicator_ref=INDICATOR_REF,
                        period=PERIOD,
                        series=Series.AREA,
                        breakdown=BREAKDOWN,
                        value=figure,
                    )
                ]
            ),
        ),
        {200},
        ImportReport,
    )
    check(report.dry_run and report.rows == 1, f"one JSON row checked: {report}")
    check(report.results[0].outcome.value == "replaced", f"the JSON row would replace: {report}")

    # 9. Archive the account again: its credentials stop working.
    expect(
        f"DELETE /api/v1/service-accounts/{account.client_id}",
        delete_service_account.sync_detailed(account.id, client=admin, if_match=account_etag),
        {200},
        ServiceAccount,
    )
    expect_problem(
        "POST /api/v1/auth/token for the archived account",
        issue_token.sync_detailed(
            client=anonymous,
            body=TokenRequest(client_id=account.client_id, client_secret=account.client_secret),
        ),
        401,
    )


if __name__ == "__main__":
    try:
        main()
    except ScenarioError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    print("python scenario: all steps passed")
