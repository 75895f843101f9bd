"""FakeGHL's OAuth endpoints over raw HTTP: code exchange, rotating single-use refresh tokens,
expiry on the fake clock, agency -> location tokens, errors, and the spec's response shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from ghlsdk.testing import BASE_URL, FakeClock, FakeGHL

from .test_fake_support import Api, api, clock, fake

__all__ = ["api", "clock", "fake"]  # fixtures used by this module

OAUTH_SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "ghl" / "apps" / "oauth.json"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _form(**fields: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields).encode()


async def _token(api: Api, **fields: str) -> Any:
    base = {"client_id": api.fake.client_id, "client_secret": api.fake.client_secret}
    return await api.post(
        "/oauth/token", content=_form(**{**base, **fields}), headers=FORM, token=None, version=None
    )


@pytest.fixture(scope="module")
def oauth_openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(OAUTH_SPEC), config=Config(spec_validator_cls=None))


def _validate(openapi: OpenAPI, response: Any) -> None:
    request = response.request
    req = MockRequest(
        BASE_URL,
        request.method.lower(),
        request.url.path,
        headers=dict(request.headers),
        data=request.content,
        content_type="application/x-www-form-urlencoded",
    )
    openapi.validate_request(req)
    resp = MockResponse(response.content, status_code=response.status_code)
    openapi.validate_response(req, resp)


async def test_code_exchange_gives_a_working_location_token(
    api: Api, fake: FakeGHL, oauth_openapi: OpenAPI
) -> None:
    c = fake.add_contact(firstName="O")
    code = fake.authorize()
    r = await _token(api, grant_type="authorization_code", code=code, user_type="Location")
    assert r.status_code == 200
    _validate(oauth_openapi, r)
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86399
    assert body["userType"] == "Location"
    assert body["locationId"] == fake.location_id
    assert body["companyId"] == fake.company_id
    assert set(body["scope"].split()) == {
        "contacts.readonly",
        "contacts.write",
        "oauth.readonly",
        "oauth.write",
    }
    assert body["refresh_token"]
    got = await api.get(f"/contacts/{c['id']}", token=body["access_token"])
    assert got.status_code == 200
    again = await _token(api, grant_type="authorization_code", code=code)
    assert again.status_code == 400  # codes are single-use


async def test_refresh_tokens_rotate_and_are_single_use(api: Api, fake: FakeGHL) -> None:
    first = (await _token(api, grant_type="authorization_code", code=fake.authorize())).json()
    r = await _token(api, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    reused = await _token(api, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["message"] == "Invalid refresh token"
    r = await _token(
        api,
        grant_type="refresh_token",
        refresh_token=second["refresh_token"],
        user_type="Company",
    )
    assert r.status_code == 400  # refreshing with another user_type is refused
    params = {"locationId": fake.location_id}
    # The older access token keeps working until it expires.
    assert (
        await api.get("/contacts/", params=params, token=first["access_token"])
    ).status_code == 200


async def test_access_tokens_expire_on_the_fake_clock(
    api: Api, fake: FakeGHL, clock: FakeClock
) -> None:
    tokens = (await _token(api, grant_type="authorization_code", code=fake.authorize())).json()
    params = {"locationId": fake.location_id}
    clock.advance(86398)
    assert (
        await api.get("/contacts/", params=params, token=tokens["access_token"])
    ).status_code == 200
    clock.advance(1)
    r = await api.get("/contacts/", params=params, token=tokens["access_token"])
    assert r.status_code == 401
    assert r.json()["message"] == "Invalid JWT"
    fresh = (
        await _token(api, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    ).json()
    assert (
        await api.get("/contacts/", params=params, token=fresh["access_token"])
    ).status_code == 200
    # Static tokens never expire.
    clock.advance(10 * 86400)
    assert (await api.get("/contacts/", params=params)).status_code == 200


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"grant_type": "password"}, 422, "grant_type must be a valid enum value"),
        (
            {"grant_type": "authorization_code", "scope": "x"},
            422,
            "property scope should not exist",
        ),
        (
            {"grant_type": "authorization_code", "user_type": "Admin"},
            422,
            "user_type must be a valid enum value",
        ),
        ({"grant_type": "authorization_code", "code": "nope"}, 400, "Invalid authorization code"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, 400, "Invalid refresh token"),
        (
            {"grant_type": "refresh_token", "client_secret": "wrong"},
            401,
            "Invalid client credentials",
        ),
        ({"grant_type": "refresh_token", "client_id": ""}, 422, "client_id should not be empty"),
    ],
)
async def test_token_endpoint_errors(
    api: Api, fields: dict[str, str], status: int, message: str
) -> None:
    r = await _token(api, **fields)
    assert r.status_code == status
    got = r.json()["message"]
    assert got == message or message in got


async def test_token_endpoint_wants_a_form(api: Api, fake: FakeGHL) -> None:
    r = await api.post(
        "/oauth/token",
        json={
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "grant_type": "authorization_code",
            "code": fake.authorize(),
        },
        token=None,
        version=None,
    )
    assert r.status_code == 422


async def test_token_requests_are_logged_without_secrets(api: Api, fake: FakeGHL) -> None:
    code = fake.authorize()
    r = await _token(api, grant_type="authorization_code", code=code)
    await _token(api, grant_type="refresh_token", refresh_token=r.json()["refresh_token"])
    exchange, refresh = fake.requests[-2:]
    assert exchange.operation == "get-access-token"
    assert exchange.form == {
        "client_id": fake.client_id,
        "client_secret": "***",
        "grant_type": "authorization_code",
        "code": "***",
    }
    assert refresh.form is not None
    assert refresh.form["refresh_token"] == "***"
    assert code not in repr(fake.requests)
    assert fake.client_secret not in repr(fake.requests)
    assert fake.count("get-access-token") == 2


async def test_agency_token_mints_location_tokens(
    api: Api, fake: FakeGHL, oauth_openapi: OpenAPI
) -> None:
    agency = (
        await _token(api, grant_type="authorization_code", code=fake.authorize(user_type="Company"))
    ).json()
    assert agency["userType"] == "Company"
    assert "locationId" not in agency
    assert agency["approvedLocations"] == [fake.location_id]
    # An agency token is refused on location endpoints.
    r = await api.get(
        "/contacts/", params={"locationId": fake.location_id}, token=agency["access_token"]
    )
    assert r.status_code == 401
    assert r.json()["message"] == "The token is not authorized for this scope."

    form = _form(companyId=fake.company_id, locationId=fake.location_id)
    r = await api.post(
        "/oauth/locationToken", content=form, headers=FORM, token=agency["access_token"]
    )
    assert r.status_code == 200
    _validate(oauth_openapi, r)
    minted = r.json()
    assert minted["locationId"] == fake.location_id
    assert "refresh_token" not in minted
    c = fake.add_contact(firstName="Minted")
    assert (await api.get(f"/contacts/{c['id']}", token=minted["access_token"])).status_code == 200

    # A location token cannot mint; a wrong company is refused; Version is required.
    r = await api.post(
        "/oauth/locationToken", content=form, headers=FORM, token=minted["access_token"]
    )
    assert r.status_code == 401
    assert r.json()["message"] == "Token's user type mismatch!"
    bad = _form(companyId="other", locationId=fake.location_id)
    r = await api.post(
        "/oauth/locationToken", content=bad, headers=FORM, token=agency["access_token"]
    )
    assert r.status_code == 400
    r = await api.post(
        "/oauth/locationToken",
        content=form,
        headers=FORM,
        token=agency["access_token"],
        version=None,
    )
    assert r.status_code == 401
    r = await api.post(
        "/oauth/locationToken",
        content=_form(companyId=fake.company_id),
        headers=FORM,
        token=agency["access_token"],
    )
    assert r.status_code == 422


async def test_location_token_refresh_is_optional(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, location_token_refresh=True)
    client = Api(fake, "sync")
    agency = (
        await _token(
            client, grant_type="authorization_code", code=fake.authorize(user_type="Company")
        )
    ).json()
    form = _form(companyId=fake.company_id, locationId="loc9")
    minted = (
        await client.post(
            "/oauth/locationToken", content=form, headers=FORM, token=agency["access_token"]
        )
    ).json()
    r = await _token(client, grant_type="refresh_token", refresh_token=minted["refresh_token"])
    assert r.status_code == 200
    assert r.json()["locationId"] == "loc9"
    await client.close()


async def test_scoped_oauth_tokens(api: Api, fake: FakeGHL) -> None:
    code = fake.authorize(scopes=["contacts.readonly"])
    tokens = (await _token(api, grant_type="authorization_code", code=code)).json()
    assert tokens["scope"] == "contacts.readonly"
    c = fake.add_contact(firstName="S")
    assert (await api.get(f"/contacts/{c['id']}", token=tokens["access_token"])).status_code == 200
    r = await api.put(f"/contacts/{c['id']}", json={"city": "X"}, token=tokens["access_token"])
    assert r.status_code == 401


async def test_revoke_refresh_token(api: Api, fake: FakeGHL) -> None:
    tokens = (await _token(api, grant_type="authorization_code", code=fake.authorize())).json()
    fake.revoke_token(tokens["refresh_token"])
    r = await _token(api, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert r.status_code == 400


def test_authorize_checks_user_type(fake: FakeGHL) -> None:
    with pytest.raises(ValueError, match="user_type"):
        fake.authorize(user_type="Agency")
