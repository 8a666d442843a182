"""Looking for tokens where they must not be."""

from __future__ import annotations

from urllib.parse import quote


def assert_no_token(tokens, places: dict[str, str]) -> None:
    """No token, raw or URL-quoted, in any of ``places`` (name -> text)."""
    assert tokens, "the test must have issued tokens to look for"
    forms = {f for t in tokens for f in (t, quote(t, safe=""))}
    for where, text in places.items():
        leaked = [t[:8] for t in forms if t in text]
        assert not leaked, f"a token ({leaked[0]}...) leaked into {where}"
