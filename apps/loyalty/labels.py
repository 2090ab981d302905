"""Customer-facing texts for what SessionM reports in its own words: activity (timeline) entries, point
history entries, point account and tier names.

SessionM renders its texts in the program's language, so a pt-BR, es or fr page would show English. The
kinds the BFF knows are named here, in the active language, by their type: a timeline event by its event
type's slug, an audit entry by its `modification_type`. Nothing is read out of SessionM's English. A kind we
do not know keeps SessionM's own text. Numbers are formatted in the active locale.
"""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop, pgettext, pgettext_lazy

from apps.sessionm.types import PointAuditEntry, TimelineEvent


def _points(value: int | None) -> str:
    return number_format(abs(value or 0), decimal_pos=0, use_l10n=True, force_grouping=True)


def _money(value: Decimal | None) -> str:
    return number_format(value or Decimal(0), decimal_pos=2, use_l10n=True, force_grouping=True)


# The texts by kind, marked for the catalogue but translated only when used: an activity page names up to
# 1,000 events, and building every text of the table in the active language for each one was a fifth of the
# page's CPU. Placeholders: %(points)s (unsigned), %(amount)s (money, no currency sign), %(code)s, %(event)s.
_ACTIVITY_TEXTS = {
    "welcome_bonus": gettext_noop("Welcome bonus: %(points)s points"),
    "purchase": gettext_noop("Purchase of $%(amount)s: %(points)s points"),
    "purchase_adjusted": gettext_noop("Purchase adjusted: %(points)s points"),
    "offer_issued": gettext_noop("A reward was added to your wallet"),
    "offer_redeemed": gettext_noop("A reward was redeemed"),
    "offer_revoked": gettext_noop("A reward was removed from your wallet"),
    "offer_purchased": gettext_noop("%(points)s points spent in the Rewards Store"),
    "campaign_opt_in": gettext_noop("You joined a campaign"),
    "campaign_completed": gettext_noop("You completed a campaign"),
    "promo_code_claimed": gettext_noop("Promo code %(code)s claimed"),
    "event_reward": gettext_noop("%(event)s: %(points)s points"),
    "points_deposited": gettext_noop("%(points)s points added"),
    "points_spent": gettext_noop("%(points)s points spent"),
    "tier_changed": gettext_noop("Your tier changed"),
}

# The offer-kinds again, naming the offer (%(offer)s) when its name is known in the customer's language.
_NAMED_OFFER_TEXTS = {
    "offer_issued": gettext_noop("%(offer)s added to your wallet"),
    "offer_redeemed": gettext_noop("%(offer)s redeemed"),
    "offer_revoked": gettext_noop("%(offer)s removed from your wallet"),
    "offer_purchased": gettext_noop("%(points)s points spent on %(offer)s"),
}


def activity_title(event: TimelineEvent, *, offer_name: str | None = None) -> str:
    """The entry's text in the active language; SessionM's title for a kind the BFF does not know.
    `offer_name` is the offer's name in the active language, when the caller knows it."""
    kind = event.kind or ""
    source = _ACTIVITY_TEXTS.get(kind)
    if source is None:
        return event.title or ""
    if offer_name:
        source = _NAMED_OFFER_TEXTS.get(kind, source)
    text = gettext(source)
    if "%(" not in text:
        return text
    # Only what the text names is formatted (number formatting in the active locale is not free either).
    values: dict[str, str] = {}
    if "%(points)s" in text:
        values["points"] = _points(event.points)
    if "%(amount)s" in text:
        values["amount"] = _money(event.amount)
    if "%(code)s" in text:
        code = event.payload.get("code")
        values["code"] = code if isinstance(code, str) else ""
    if "%(event)s" in text:
        lookup = event.payload.get("event")
        values["event"] = behaviour_label(lookup if isinstance(lookup, str) else None)
    if "%(offer)s" in text:
        values["offer"] = offer_name or ""
    return text % values


def behaviour_label(lookup: str | None) -> str:
    """A behaviour the app reports (POST /api/v1/events), by its event_lookup."""
    known = {
        "survey_completed": gettext("Survey completed"),
        "app_review": gettext("App review"),
    }
    return known.get(lookup or "", gettext("Bonus for an activity"))


def _history_texts() -> dict[str, str]:
    # SessionM's modification types: earn (purchases), adjustment (returns), deposit (bonuses), spend, expire.
    return {
        "earn": pgettext("point history", "Purchase"),
        "adjustment": pgettext("point history", "Purchase adjustment"),
        "deposit": pgettext("point history", "Bonus points"),
        "spend": pgettext("point history", "Points spent"),
        "expire": pgettext("point history", "Points expired"),
        "expiration": pgettext("point history", "Points expired"),
    }


def point_history_label(entry: PointAuditEntry) -> str:
    """The entry's description by its modification type (a bonus by its point source, when it is one the
    program defines); SessionM's point source name for a type the BFF does not know."""
    kind = (entry.modification_type or "").lower()
    if kind == "deposit":
        sources = {"Welcome bonus": pgettext("point history", "Welcome bonus")}
        if entry.point_source_name in sources:
            return sources[entry.point_source_name]
    return _history_texts().get(kind, entry.point_source_name or "")


# The program's point account and tier names that the catalogues translate. Named here only so that
# `manage.py makemessages` finds them (program_name looks them up by the name SessionM gives).
PROGRAM_NAMES = (
    pgettext_lazy("loyalty program", "Fries Points"),
    pgettext_lazy("loyalty program", "Bronze"),
    pgettext_lazy("loyalty program", "Silver"),
    pgettext_lazy("loyalty program", "Gold"),
)


def program_name(name: str | None) -> str | None:
    """A point account or tier name of the program, translated when the catalogue has it (names are
    configuration, not prose: the translation is looked up by the name itself); anything else unchanged."""
    if not name:
        return name
    return pgettext("loyalty program", name)
