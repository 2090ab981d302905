"""Writes of the loyalty screens: each changes loyalty state on SessionM (the system of record) for the
customer, after checking what SessionM cannot check for us, and answers what changed."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.accounts.languages import culture_for
from apps.accounts.models import Customer
from apps.core.errors import (
    LoyaltyUnavailable,
    NoSuchCampaign,
    NoSuchReward,
    OfferNotInWallet,
    OfferNotRedeemable,
    PromoCodeAlreadyClaimed,
    PromoCodeInvalid,
)
from apps.messaging.discovery import wallet_items_discover_later
from apps.messaging.ledger import OfferFacts, wallet_item_mark, wallet_item_record, wallet_items_sync
from apps.messaging.models import WalletItemSource, WalletItemState
from apps.messaging.selectors import wallet_item_ids
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMError
from apps.sessionm.types import PromoCodeDiscount, TransactionLine, TransactionPayment, lines_subtotal

from .catalogue import catalogue_offer
from .errors import sessionm_errors
from .promo_codes import promo_code_normalize
from .selectors import WalletRead, wallet_item_get
from .timeline import changes_timeline
from .types import (
    EventReport,
    OptIn,
    PromoCodeClaim,
    RecordedTransaction,
    Redemption,
    RewardPurchase,
    WalletItem,
)

logger = logging.getLogger(__name__)

# Purchases reach SessionM only from tills and the ordering back end, through the POS intake.
TRANSACTION_CHANNEL = "POS"
# Wallet pages read while checking that an offer is the customer's, at most (100 offers each).
_WALLET_LOOKUP_PAGE_SIZE = 100
# Activity searched for an offer that has left the wallet: the events of this recent window, at most so many.
_HISTORY_LOOKUP_WINDOW = timedelta(days=400)
_HISTORY_LOOKUP_EVENTS = 1000


@sessionm_errors()
@changes_timeline
def campaign_opt_in(*, customer: Customer, campaign_id: str) -> OptIn:
    with sessionm_errors(not_found=NoSuchCampaign()):
        get_sessionm_client().opt_in(customer.sessionm_id, campaign_id)
    return OptIn(campaign_id=campaign_id, opted_in=True)


@sessionm_errors()
@changes_timeline
def offer_redeem(*, customer: Customer, user_offer_id: str) -> Redemption:
    """Redeem a wallet offer. SessionM's redeem takes only the user_offer_id, so the offer is first looked up
    in this customer's wallet: another customer's offer is "not found", exactly like a missing one. One that
    has left the wallet (redeemed or expired) is told apart by the customer's own activity log."""
    item = wallet_item_get(customer=customer, user_offer_id=user_offer_id)
    if item is None:
        if _in_history(customer=customer, user_offer_id=user_offer_id):
            raise OfferNotRedeemable()
        raise OfferNotInWallet()
    if not item.redeemable or (item.expires_at is not None and item.expires_at <= timezone.now()):
        raise OfferNotRedeemable()
    with sessionm_errors(not_found=OfferNotInWallet()):
        get_sessionm_client().redeem_offer(user_offer_id)
    wallet_item_mark(user_offer_id=user_offer_id, state=WalletItemState.REDEEMED, customer=customer)
    return Redemption(item=item, redeemed_at=timezone.now())


def _in_history(*, customer: Customer, user_offer_id: str) -> bool:
    """Whether the customer's recent activity names this offer (SessionM logs every offer it issues)."""
    # `since` asks SessionM for the events after a moment: the recent window, not the whole history.
    events = get_sessionm_client().get_timeline_events(
        customer.sessionm_id,
        view=settings.SESSIONM_TIMELINE_VIEW,
        since=timezone.now() - _HISTORY_LOOKUP_WINDOW,
        max_events=_HISTORY_LOOKUP_EVENTS,
    )
    return any(event.user_offer_id == user_offer_id for event in events)


@sessionm_errors()
@changes_timeline
def reward_purchase(*, customer: Customer, offer_id: str) -> RewardPurchase:
    """Buy a Rewards Store offer with points. SessionM spends the points and issues the offer in one step and
    refuses when the balance is short (InsufficientPoints, 409)."""
    culture = culture_for(customer.language)
    not_found = NoSuchReward()
    offer = catalogue_offer(sessionm_user_id=customer.sessionm_id, culture=culture, offer_id=offer_id)
    if offer is None or offer.reward_store_id is None:
        raise not_found
    client = get_sessionm_client()
    accounts = _spend_accounts(customer=customer, reward_store_id=offer.reward_store_id)
    started = timezone.now()
    with sessionm_errors(not_found=not_found):
        purchase = client.purchase_offer(
            user_id=customer.sessionm_id,
            reward_store_id=offer.reward_store_id,
            reward_store_offer_id=offer.reward_store_offer_id,
            point_account_ids=accounts,
            culture=culture,
        )
    offer_id_bought = purchase.offer_id or offer.root_offer_id
    # From here on the points are spent: nothing may turn this into an error for the customer.
    user_offer_id = purchase.user_offer_id or _bought_user_offer_id(customer=customer, offer_id=offer_id_bought)
    item = WalletItem(
        id=user_offer_id,
        offer_id=offer_id_bought,
        name=offer.title or "",
        description=offer.description or "",
        terms=offer.terms or "",
        image=offer.image_url,
        expires_at=None,  # set by SessionM on issue; the wallet shows it
        redeemable=True,
        pos_discount_id=offer.pos_discount_id,
    )
    if user_offer_id is None:
        # SessionM's answer did not name the new offer and the wallet did not show it yet: the ledger
        # (offer-issued message, expiry reminder) finds it a little later.
        logger.warning("reward purchase: answer without a user offer id; discovering it later")
        wallet_items_discover_later(customer=customer, since=started, source=WalletItemSource.PURCHASE)
    else:
        # The wallet ledger: the offer-issued message and the expiry reminder follow from it.
        wallet_item_record(
            customer=customer,
            offer=OfferFacts(
                user_offer_id=user_offer_id,
                offer_id=item.offer_id,
                name=offer.title,
                description=offer.description,
                terms=offer.terms,
                image_url=offer.image_url,
                pos_discount_id=offer.pos_discount_id,
            ),
            source=WalletItemSource.PURCHASE,
        )
    return RewardPurchase(
        item=item,
        points_spent=offer.price if purchase.points_spent is None else purchase.points_spent,
        available_points=purchase.available_points,
    )


def _spend_accounts(*, customer: Customer, reward_store_id: str) -> list[str]:
    """The point account(s) a purchase spends from, which SessionM requires: the reward store's own, else
    the customer's accounts from all_balances, as SessionM's purchase page advises."""
    client = get_sessionm_client()
    for store in client.get_reward_stores(customer.sessionm_id):
        if store.id == reward_store_id and store.point_account_id:
            return [store.point_account_id]
    balances = client.get_point_balances(customer.sessionm_id)
    accounts = [account.point_account_id for account in balances.accounts if account.point_account_id]
    if not accounts:
        raise LoyaltyUnavailable()
    return accounts


def _bought_user_offer_id(*, customer: Customer, offer_id: str | None) -> str | None:
    """The newest issued wallet offer of `offer_id` that the ledger does not know yet, or None (any failure
    reads as None: the purchase already happened)."""
    if offer_id is None:
        return None
    try:
        page = get_sessionm_client().get_user_offers(
            customer.sessionm_id, culture=culture_for(customer.language), take=_WALLET_LOOKUP_PAGE_SIZE
        )
    except SessionMError as exc:
        logger.warning("reward purchase: wallet lookup failed: %s", exc.__class__.__name__)
        return None
    matching = [o for o in page.offers if o.offer_id == offer_id]
    known = wallet_item_ids(customer=customer, user_offer_ids=[o.user_offer_id for o in matching])
    candidates = [o for o in matching if o.user_offer_id not in known]
    candidates.sort(key=lambda o: o.start_date or timezone.now(), reverse=True)
    return candidates[0].user_offer_id if candidates else None


@sessionm_errors()
@changes_timeline
def pos_transaction_send(
    *,
    customer: Customer,
    store_id: str,
    lines: list[TransactionLine],
    payments: list[TransactionPayment],
    promo_code: str | None,
    request_id: str,
    transaction_id: str,
) -> RecordedTransaction:
    """Send a purchase a till rang up to SessionM's Cloud POS, the customer attached through the payments.
    SessionM applies points, tier and offers from its rules, asynchronously. Only the till intake
    (apps/loyalty/intake.py) calls this: a customer never reports a purchase.

    `request_id` is SessionM's idempotency key, derived by the caller from the till's own request id, so a
    retry after a lost answer is recognised by SessionM too. A promo code is claimed first (an invalid one
    stops here, nothing sent); one this customer already claimed (e.g. by an earlier attempt of this very
    request) is still applied.
    """
    discounts = []
    if promo_code:
        promo_code = _promo_code(promo_code)
        try:
            user_offer_id = promo_code_claim(customer=customer, code=promo_code).user_offer_id
        except PromoCodeAlreadyClaimed:
            user_offer_id = None
        discounts.append(PromoCodeDiscount(code=promo_code, user_offer_id=user_offer_id))

    opened_at = timezone.now()
    receipt = get_sessionm_client().send_transaction(
        request_id=request_id,
        transaction_id=transaction_id,
        user_id=customer.sessionm_id,
        opened_at=opened_at,
        channel=TRANSACTION_CHANNEL,
        lines=lines,
        payments=payments,
        discounts=discounts,
        culture=culture_for(customer.language),
        store_id=store_id,
    )
    # Offers the transaction earns are issued later by SessionM's rules; the wallet ledger looks for them.
    wallet_items_discover_later(customer=customer, since=opened_at, source=WalletItemSource.TRANSACTION)
    return RecordedTransaction(
        transaction_id=receipt.transaction_id or transaction_id,
        request_id=request_id,
        state=receipt.state,
        channel=TRANSACTION_CHANNEL,
        opened_at=opened_at,
        lines=tuple(lines),
        subtotal=lines_subtotal(lines),
        promo_code=promo_code or None,
        store_id=store_id,
        payments=tuple(payments),
    )


@sessionm_errors()
@changes_timeline
def promo_code_claim(*, customer: Customer, code: str) -> PromoCodeClaim:
    """Claim a promo code, in any case (apps/loyalty/promo_codes.py): the offer it grants lands in the
    customer's wallet."""
    code = _promo_code(code)
    with sessionm_errors(not_found=PromoCodeInvalid()):
        claim = get_sessionm_client().claim_promo_code(customer.sessionm_id, code)
    if claim.user_offer_id:
        wallet_item_record(
            customer=customer,
            offer=OfferFacts(user_offer_id=claim.user_offer_id, offer_id=claim.offer_id),
            source=WalletItemSource.PROMO_CODE,
        )
    return PromoCodeClaim(code=claim.code or code, offer_id=claim.offer_id, user_offer_id=claim.user_offer_id)


def _promo_code(code: str) -> str:
    normalized = promo_code_normalize(code)
    if normalized is None:
        raise PromoCodeInvalid()
    return normalized


@sessionm_errors()
@changes_timeline
def event_report(*, customer: Customer, event: str) -> EventReport:
    """Report a behaviour (e.g. "survey_completed") for SessionM's campaign rules; an event the program
    does not know is UnknownEvent (422)."""
    result = get_sessionm_client().trigger_event(customer.sessionm_id, event, culture=culture_for(customer.language))
    return EventReport(event=event, recorded=result.event_saved_successfully, points_awarded=result.points_awarded)


def wallet_read_record(*, customer: Customer, read: WalletRead | None) -> None:
    """What a wallet read showed keeps the BFF's wallet ledger current (new offers, expiries, offers gone),
    which can queue their messages. The step after wallet_get, in the views: the read itself writes nothing."""
    if read is None:
        return
    wallet_items_sync(
        customer=customer,
        offers=list(read.offers),
        culture=read.culture,
        complete=read.complete,
        read_at=read.read_at,
    )
