"""What this app tells the rest of the BFF without importing it.

apps.loyalty imports this app (its services write the wallet ledger), so this app must not import apps.loyalty
back. When SessionM reports something it did on its own (an offer issued by a rule, a redemption at a till it
saw first, points, a tier), the customer's activity log has changed: apps.loyalty listens (LoyaltyConfig.ready)
and forgets its cached copy of the timeline, so the next view reads SessionM again.
"""

from django.dispatch import Signal

# Sent with `customer=` once a SessionM webhook event for that customer has been processed.
sessionm_activity_reported = Signal()
