"""SessionM's outbound webhook, emulated: when the sandbox issues an offer it tells the BFF, as a tenant
configured with a webhook would.

The event is POSTed to settings.SANDBOX_WEBHOOK_URL (empty: off) after the issuing transaction commits,
from a background thread, never inside the request that issued the offer: SessionM calls back on its own
time. It is signed with SESSIONM_WEBHOOK_SECRET the way the BFF's receiver documents
(X-SessionM-Timestamp, X-SessionM-Signature: sha256=HMAC("<timestamp>." + body)); the signing is written
out here rather than imported, so the emulator checks the receiver instead of agreeing with it by
construction. Failures are retried a few times, then logged; nothing is raised.
"""

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from datetime import datetime

import requests
from django.conf import settings
from django.db import transaction

from apps.sandbox import demo
from apps.sandbox.router import SANDBOX_DB

from . import clock

logger = logging.getLogger(__name__)

TIMEOUT = (1.0, 3.0)
ATTEMPTS = 3
BACKOFF = 0.5  # seconds before the second attempt, doubling


def offer_issued(*, user_id: str, item: dict, offer: demo.Offer, source: str, now: datetime) -> None:
    """Queue the "offer_issued" event of a wallet item `rules.issue_offer` just added."""
    url = settings.SANDBOX_WEBHOOK_URL
    if not url:
        return
    texts = demo.localized(offer.texts, demo.DEFAULT_CULTURE)
    data = {
        "user_offer_id": item["user_offer_id"],
        "offer_id": offer.id,
        "name": texts.name,
        "description": texts.description,
        "terms": texts.terms,
        "image_url": offer.image_url,
        "pos_discount_id": offer.pos_discount_id,
        "start_date": clock.connect(item["issued_at"]),
        "redemption_end_date": clock.connect(item["expires_at"]),
        "culture": demo.DEFAULT_CULTURE,
    }
    campaign = _campaign(source)
    if campaign is not None:
        data["campaign_id"] = campaign.id
        data["campaign_name"] = demo.localized(campaign.texts, demo.DEFAULT_CULTURE).name
        # The partner page's "campaign runtime" and "campaign custom data", and the triggering event.
        data["campaign_runtime"] = {
            "start_date": clock.connect(campaign.start),
            "end_date": clock.connect(campaign.end),
        }
        data["campaign_custom_data"] = {"requires_opt_in": campaign.requires_opt_in, "rule": campaign.rule}
        data["triggering_event_data"] = {"source": source, "occurred_at": clock.connect(now)}
    event = {
        "id": str(uuid.uuid4()),
        "type": "offer_issued",
        "occurred_at": clock.connect(now),
        "user_id": user_id,
        "data": data,
    }
    body = json.dumps(event, separators=(",", ":")).encode()
    transaction.on_commit(lambda: dispatch(url, body), using=SANDBOX_DB)


def _campaign(source: str) -> demo.Campaign | None:
    slug = source.removeprefix("campaign:") if source.startswith("campaign:") else None
    return next((campaign for campaign in demo.CAMPAIGNS.values() if campaign.slug == slug), None)


def dispatch(url: str, body: bytes) -> None:
    threading.Thread(target=deliver, args=(url, body), name="sandbox-webhook", daemon=True).start()


def signed_headers(body: bytes, *, timestamp: int) -> dict[str, str]:
    """The credential the webhook carries, as configured for the receiver (SESSIONM_WEBHOOK_AUTH): SessionM
    builds each tenant's webhook to what was agreed, and so does the emulator."""
    headers = {"Content-Type": "application/json", "User-Agent": "sessionm-sandbox-webhook/1.0"}
    secret = settings.SESSIONM_WEBHOOK_SECRET
    scheme = settings.SESSIONM_WEBHOOK_AUTH
    if scheme == "bearer":
        headers["Authorization"] = f"Bearer {secret}"
    elif scheme == "basic":
        pair = f"{settings.SESSIONM_WEBHOOK_USERNAME}:{secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    elif scheme == "header":
        headers[settings.SESSIONM_WEBHOOK_HEADER] = secret
    else:
        stamp = str(timestamp)
        digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
        headers["X-SessionM-Timestamp"] = stamp
        headers["X-SessionM-Signature"] = f"sha256={digest.hexdigest()}"
    return headers


def deliver(url: str, body: bytes, *, sleep=time.sleep) -> bool:
    """POST the event, re-signed for each attempt; retry connection errors, timeouts, 429 and 5xx. Whether
    the receiver accepted it."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = requests.post(
                url, data=body, headers=signed_headers(body, timestamp=int(time.time())), timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            outcome = exc.__class__.__name__
        else:
            if response.status_code < 300:
                return True
            outcome = f"HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                logger.warning("sandbox webhook refused by the receiver (%s); not retried", outcome)
                return False
        if attempt < ATTEMPTS:
            sleep(BACKOFF * 2 ** (attempt - 1))
    logger.warning("sandbox webhook not delivered after %s attempts (%s)", ATTEMPTS, outcome)
    return False
