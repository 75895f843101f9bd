"""The process of tests/ghlsdk/test_auth_postgres_store.py (importable by spawn)."""

from __future__ import annotations

from typing import Any


def refresh_in_process(
    url: str, oauth_args: dict[str, Any], key: str, locking: bool, ready: Any, go: Any, out: Any
) -> None:
    """A process whose session needs a fresh token for ``key`` from the PostgreSQL store;
    puts the access token it got on ``out``. ``locking=False`` hides the store's
    ``refresh_lock`` (the control: refreshes are then only single-flight per process)."""
    from ghlsdk.auth import OAuth2, OAuthSession, PostgresTokenStore, TokenSet

    store = PostgresTokenStore(url)

    class Plain:  # the same store without refresh_lock
        def get(self, k: str) -> TokenSet | None:
            return store.get(k)

        def save(self, k: str, tokens: TokenSet) -> None:
            store.save(k, tokens)

        def delete(self, k: str) -> None:
            store.delete(k)

    oauth = OAuth2(**oauth_args)
    session = OAuthSession(oauth, store if locking else Plain(), key=key)
    ready.put(True)
    go.wait(30)
    try:
        out.put(session.token().access_token)
    except Exception as exc:  # the control may see the refresh refused
        out.put(f"error: {type(exc).__name__}")
    finally:
        oauth.close()
        store.close()
