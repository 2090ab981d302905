"""Braze Connected Content: the wallet a message template fetches at send time.

Braze calls GET /integrations/braze/wallet/{user_id} with HTTP Basic credentials while it renders a message.
The answer has the shape of SessionM's get_user_offers, which Braze's SessionM partner page templates
read (https://braze.com/docs/partners/message_orchestration/channel_extensions/loyalty/sessionm):
`{{wallet.payload.available_points}}`, `{% for offer in wallet.payload.user_offers %}` with `offer_id`, `name`,
`description`, `redemption_end_date`, ... so a template copied from that page works against us unchanged.
It waits at most 2 s and accepts at most 1 MB, caches a GET per URL, and may call the same URL several times
for one recipient, so this read is small, bounded in time, and never writes anything.
"""

import base64
import binascii
import hmac
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.languages import culture_for
from apps.accounts.models import Customer, CustomerStatus
from apps.core.errors import CustomerNotFound
from apps.sessionm import SessionMClient, build_sessionm_client
from apps.sessionm.errors import SessionMNotFound
from apps.sessionm.wallet import user_offers_walk

# Braze gives up after 2 s. One SessionM call, no retry, answered within 1.2 s at worst (connect + read),
# leaves time for Braze's own network legs.
SESSIONM_TIMEOUT = (0.2, 1.0)
# Every issued offer is listed. Normally one read holds them all (the partner page's template asks for
# take=1000); should SessionM answer fewer than it has, the next pages are read while time allows. The bound
# keeps the body far below Braze's 1 MB (an offer is well under 2 KB).
MAX_OFFERS = 300
# Braze gives up after 2 s: no further page is asked for once this much of it is gone.
PAGING_BUDGET_SECONDS = 0.6
# Braze caches a Connected Content GET per URL; five minutes is its default and what a wallet can bear.
CACHE_CONTROL = "max-age=300"


@dataclass(frozen=True)
class PartnerPrincipal:
    """The authenticated caller of a partner endpoint (no Django user behind it)."""

    name: str
    is_authenticated: bool = True


class ConnectedContentAuthentication(BaseAuthentication):
    """HTTP Basic with BRAZE_CONNECTED_CONTENT_USERNAME / _PASSWORD, compared in constant time."""

    realm = "braze-connected-content"

    def authenticate(self, request):
        scheme, _sep, encoded = get_authorization_header(request).partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            username, _colon, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AuthenticationFailed(_("Malformed Basic credentials.")) from exc
        # Both compared every time, so the answer's timing does not tell which one was wrong.
        username_ok = hmac.compare_digest(username.encode(), settings.BRAZE_CONNECTED_CONTENT_USERNAME.encode())
        password_ok = hmac.compare_digest(password.encode(), settings.BRAZE_CONNECTED_CONTENT_PASSWORD.encode())
        if not (username_ok and password_ok):
            raise AuthenticationFailed(_("Invalid credentials."))
        return PartnerPrincipal("braze"), None

    def authenticate_header(self, request):
        return f'Basic realm="{self.realm}"'


@cache
def connected_content_sessionm_client() -> SessionMClient:
    """The SessionM account of get_sessionm_client(), with Connected Content's short deadline and no retry."""
    return build_sessionm_client(timeout=SESSIONM_TIMEOUT, retries=0, pool_maxsize=16)


@dataclass(frozen=True)
class BrazeWalletOffer:
    """One `payload.user_offers[]` entry, under SessionM's names (`id` is the user offer id)."""

    id: str
    user_offer_id: str
    offer_id: str | None
    name: str
    description: str
    terms: str
    pos_discount_id: str | None
    offer_type: str | None
    is_redeemable: bool
    start_date: datetime | None
    redemption_end_date: datetime | None
    image_url: str
    media: tuple[dict, ...]


@dataclass(frozen=True)
class BrazeWallet:
    user_id: str
    culture: str
    available_points: int
    total_points: int
    user_offers: tuple[BrazeWalletOffer, ...]
    total_records: int  # issued offers in the wallet (every one is listed, up to MAX_OFFERS)


def culture_from_param(value: str | None) -> str | None:
    """A culture ("pt-BR") or a language ("pt", as Braze's {{${language}}} renders it) -> the SessionM culture
    we speak for it; None when not given or when we do not speak it: the customer's language (else the
    program's) is used then, because Braze renders an error answer as an empty string in the message."""
    value = (value or "").strip().replace("_", "-").lower()
    if not value:
        return None
    languages = [language for language, _name in settings.LANGUAGES]
    for language in languages:
        if value in (language, culture_for(language).lower()):
            return culture_for(language)
    # Another variant of a language we speak (en-GB, pt-PT, or a bare "pt"): the variant we have.
    for language in languages:
        if value.split("-")[0] == language.split("-")[0]:
            return culture_for(language)
    return None


def braze_wallet_get(*, user_id: str, culture: str | None = None) -> BrazeWallet:
    """Points and every issued offer of the customer whose SessionM user id (= Braze external id) is
    `user_id`, in `culture` or else the customer's language. Reads only: no ledger writes.

    Raises NotFound for a user who is not an active customer (or whom SessionM does not know); SessionM
    failures propagate as upstream errors (the API answers 503/504/502).
    """
    customer = Customer.objects.filter(sessionm_user_id=user_id, status=CustomerStatus.ACTIVE).only("language").first()
    if customer is None:
        raise CustomerNotFound()
    culture = culture or culture_for(customer.language)
    try:
        walk = user_offers_walk(
            connected_content_sessionm_client(),
            user_id,
            culture=culture,
            page_size=MAX_OFFERS,
            max_offers=MAX_OFFERS,
            deadline=time.monotonic() + PAGING_BUDGET_SECONDS,
        )
    except SessionMNotFound as exc:
        raise CustomerNotFound() from exc
    page = walk.last_page
    return BrazeWallet(
        user_id=user_id,
        culture=culture,
        available_points=page.available_points,
        total_points=page.total_points,
        user_offers=tuple(
            BrazeWalletOffer(
                id=offer.user_offer_id,
                user_offer_id=offer.user_offer_id,
                offer_id=offer.offer_id,
                name=offer.name or "",
                description=offer.description or "",
                terms=offer.terms or "",
                pos_discount_id=offer.pos_discount_id,
                offer_type=offer.offer_type,
                is_redeemable=offer.is_redeemable,
                start_date=offer.start_date,
                redemption_end_date=offer.expires_at,
                image_url=offer.image_url or "",
                media=({"uri": offer.image_url},) if offer.image_url else (),
            )
            for offer in walk.offers[:MAX_OFFERS]
        ),
        total_records=page.total,
    )
