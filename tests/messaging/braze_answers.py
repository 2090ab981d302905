"""Braze answers for `responses`, in the shapes shared/specs/braze.md records."""

import json
from datetime import UTC, datetime, timedelta

import responses

BRAZE = "https://rest.iad-01.braze.test"
CAMPAIGN_SEND = BRAZE + "/campaigns/trigger/send"
CANVAS_SEND = BRAZE + "/canvas/trigger/send"
USERS_DELETE = BRAZE + "/users/delete"


def epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def rate_headers(*, remaining: int = 249_000, reset: datetime | None = None) -> dict:
    reset = reset or datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {"X-RateLimit-Limit": "250000", "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": epoch(reset)}


def accepted(mock, url: str = CAMPAIGN_SEND, *, dispatch_id: str = "d" * 32, headers: dict | None = None, **body):
    mock.add(
        responses.POST,
        url,
        json={"dispatch_id": dispatch_id, "message": "success", **body},
        status=201,
        headers=headers or rate_headers(),
    )


def refused(mock, status: int, url: str = CAMPAIGN_SEND, *, headers: dict | None = None, message: str = "error"):
    mock.add(responses.POST, url, json={"message": message}, status=status, headers=headers or rate_headers())


def sent_bodies(mock, url: str = CAMPAIGN_SEND) -> list[dict]:
    return [json.loads(call.request.body) for call in mock.calls if call.request.url == url]
