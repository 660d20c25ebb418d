"""What the HubSpot and Pipedrive extractors share: tokens, retries, errors without secrets.

The HTTP work itself is dlt's: its ``rest_api`` source pages through each
endpoint, and its requests session retries 429 and 5xx answers with
exponential backoff, honouring ``Retry-After`` (dlt.sources.helpers.requests).
This module only configures that session and keeps the token out of every
message that leaves the extractor.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import requests


class ExtractError(Exception):
    """An extraction that did not complete; the previous snapshot (if any) is left as it was."""


class MissingToken(ExtractError):
    """The CRM's token is not configured: one sentence that says which variable to set."""


@dataclass(frozen=True)
class RetryPolicy:
    """How dlt's HTTP session retries 429 (rate limited) and 5xx answers and dropped connections.

    The wait is ``Retry-After`` when the API sends it, else exponential:
    ``backoff_factor * 2**attempt`` seconds, at most ``max_delay``. HubSpot's
    limits are per 10 seconds (100-190 requests, by subscription) and its
    search endpoints have a per-second limit of their own; Pipedrive spends a
    token budget per request. Eight attempts with a factor of 1 wait up to
    about two minutes in all, long enough for either window to reopen.
    """

    max_attempts: int = 8
    backoff_factor: float = 1.0
    max_delay: float = 60.0
    timeout: float = 60.0


def http_session(policy: RetryPolicy) -> requests.Session:
    """A requests session with dlt's retry handler (429, 5xx, connection errors; Retry-After honoured)."""
    from dlt.sources.helpers.requests import Client

    client = Client(
        request_timeout=policy.timeout,
        raise_for_status=False,  # the REST client raises itself, after its response hooks
        request_max_attempts=policy.max_attempts,
        request_backoff_factor=policy.backoff_factor,
        request_max_retry_delay=policy.max_delay,
        respect_retry_after_header=True,
    )
    return client.session


def read_token(env_var: str, crm: str, how: str) -> str:
    """The API token from ``env_var``; a one-sentence ExtractError when it is not set."""
    token = (os.environ.get(env_var) or "").strip()
    if not token:
        raise MissingToken(f"{env_var} is not set: {how} (see docs/extract.md) and export it before "
                           f"extracting from {crm}.")
    return token


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret (and its URL-encoded form) replaced by ``***``."""
    from urllib.parse import quote

    for secret in secrets:
        if secret:
            for form in {secret, quote(secret, safe=""), quote(secret)}:
                text = text.replace(form, "***")
    return text


def describe_failure(error: BaseException, secrets: tuple[str, ...]) -> str:
    """One line that says what failed, from the innermost cause of ``error``, without secrets.

    dlt wraps a failed request in several layers (PipelineStepFailed,
    ResourceExtractionError); the HTTP error at the bottom says what the user
    can act on: the status, the endpoint and, for a 4xx, the API's message.
    """
    chain = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    http = next((e for e in reversed(chain) if isinstance(e, requests.HTTPError) and e.response is not None), None)
    if http is not None:
        response = http.response
        url = response.request.url if response.request is not None else response.url
        endpoint = (url or "").split("?", 1)[0]
        detail = ""
        if 400 <= response.status_code < 500:
            try:
                body = response.json()
                detail = str(body.get("message") or body.get("error") or "") if isinstance(body, dict) else ""
            except ValueError:
                detail = ""
        hint = {401: " (the token is wrong or revoked)", 403: " (the token lacks a scope; see docs/extract.md)",
                429: " (rate limited and out of retries; try again later)"}.get(response.status_code, "")
        text = (f"HTTP {response.status_code} {response.reason or ''}".rstrip() + f" from {endpoint}{hint}"
                + (f": {detail}" if detail else ""))
    else:
        root = chain[-1]
        text = f"{type(root).__name__}: {str(root).strip().splitlines()[0] if str(root).strip() else ''}"
    return redact(text, secrets)


def epoch_ms(value: object) -> int:
    """Milliseconds since the epoch of an ISO 8601 timestamp (naive = UTC), as HubSpot's search filters take it."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)
