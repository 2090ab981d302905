"""What an offer message says: the trigger properties of the offer-issued and offer-expiring messages, built
from the wallet ledger's item. Named after the fields of Braze's SessionM partner page
(https://braze.com/docs/partners/message_orchestration/channel_extensions/loyalty/sessionm), so a template
copied from that page renders them unchanged.
"""

from django.conf import settings

from .models import WalletItem


def offer_message_properties(*, item: WalletItem, kind: str) -> dict:
    """The trigger properties of an offer message, named after the fields of Braze's SessionM partner page."""
    target = settings.BRAZE_MESSAGES[kind]
    customer = item.customer
    properties = {
        f"{target['type']}_id": target["id"],
        "customer_id": customer.sessionm_user_id,
        "email": customer.user.email,
        "offer_id": item.offer_id,
        "offer_title": item.title,
        "user_offer_id": item.user_offer_id,
        "description": item.description,
        "terms": item.terms,
        "logo": item.image_url,
        "pos_discount_id": item.pos_discount_id,
        "expiration_date": item.expires_at.isoformat() if item.expires_at else None,
    }
    if item.points_awarded is not None:
        properties["points_awarded"] = item.points_awarded
        properties["point_account_name"] = item.point_account_name
    if item.campaign_id:
        # "sessionm_": the loyalty campaign that issued the offer, not the Braze campaign sending the message.
        properties["sessionm_campaign_id"] = item.campaign_id
        properties["sessionm_campaign_name"] = item.campaign_name
    # Braze's SessionM partner page: "campaign runtime", "campaign custom data", triggering event data.
    for name in ("campaign_runtime", "campaign_custom_data", "triggering_event_data"):
        if getattr(item, name):
            properties[name] = getattr(item, name)
    return properties
