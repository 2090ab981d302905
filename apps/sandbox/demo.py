"""The Fancy Fries demo program the sandbox's SessionM runs, as data (DESIGN.md, "Fancy Fries demo program").

Ids are fixed UUIDs (uuid5 of a readable slug) so they survive restarts and can be quoted in docs and tests.
Every customer-facing text exists in each of CULTURES; `pick_culture` chooses one, falling back to en-US.
The behaviour behind these values (earning, tiers, campaign rules) is in apps/sandbox/sessionm/rules.py.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")
_NAMESPACE = uuid.UUID("6f1e5c1a-3b7d-4c2e-9a51-f0f0fa1c0ffe")


def _id(slug: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, slug))


# --- Languages ---------------------------------------------------------------------------------------------
DEFAULT_CULTURE = "en-US"
CULTURES = ("en-US", "pt-BR", "es-ES", "fr-FR")


def pick_culture(value: str | None) -> str:
    """The supported culture for a SessionM `culture` ("pt-BR") or Core `locale` ("pt-br"): an exact match,
    else the first culture of the same language ("fr-CA" -> "fr-FR"), else en-US."""
    wanted = (value or "").strip().replace("_", "-").lower()
    for culture in CULTURES:
        if culture.lower() == wanted:
            return culture
    language = wanted.split("-")[0]
    for culture in CULTURES:
        if language and culture.lower().split("-")[0] == language:
            return culture
    return DEFAULT_CULTURE


def localized(texts: Mapping[str, T], culture: str) -> T:
    """The text for a culture; en-US when the culture has none."""
    return texts.get(culture) or texts[DEFAULT_CULTURE]


# --- Points and tiers --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PointAccount:
    id: str
    name: str


POINT_ACCOUNT = PointAccount(id=_id("point-account:fries-points"), name="Fries Points")
POINT_ACCOUNTS = (POINT_ACCOUNT,)
POINTS_PER_DOLLAR = 10
WELCOME_POINTS = 100
WELCOME_SOURCE = "Welcome bonus"


@dataclass(frozen=True)
class Tier:
    id: str
    name: str
    rank: int
    required_points: int  # tier points (earned from purchases) that reach this tier


TIER_SYSTEM = "Fancy Fries Tiers"
TIERS = (
    Tier(id=_id("tier:bronze"), name="Bronze", rank=1, required_points=0),
    Tier(id=_id("tier:silver"), name="Silver", rank=2, required_points=1_500),
    Tier(id=_id("tier:gold"), name="Gold", rank=3, required_points=5_000),
)

# --- Menu --------------------------------------------------------------------------------------------------
MENU = {
    "FF-PULLED-PORK": Decimal("10.00"),
    "FF-CURLY": Decimal("8.00"),
    "FF-LARGE": Decimal("4.50"),
    "SNACK-BOX": Decimal("12.00"),
}
FRIES_SKUS = frozenset(sku for sku in MENU if sku.startswith("FF-"))


# --- Offers ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OfferText:
    name: str
    description: str
    terms: str


@dataclass(frozen=True)
class Offer:
    id: str
    slug: str
    offer_type: str
    pos_discount_id: str
    image_url: str
    texts: dict[str, OfferText]


# A real tenant's media live on SessionM's CDN. The sandbox serves its own pictures as static files of the
# BFF (apps/sandbox/static/), so pages show them with no outside host; relative, since the in-process
# sandbox has no host a browser could reach.
MEDIA_URL = "/static/sandbox/media"

OFFER_VALIDITY = timedelta(days=30)
_VALIDITY_TERMS = {
    "en-US": "Valid for 30 days from issue. One use. Cannot be combined with other offers.",
    "pt-BR": "Válido por 30 dias a partir da emissão. Uso único. Não cumulativo com outras ofertas.",
    "es-ES": "Válido durante 30 días desde su emisión. Un solo uso. No acumulable con otras ofertas.",
    "fr-FR": "Valable 30 jours à compter de l'émission. Usage unique. Non cumulable avec d'autres offres.",
}


def _offer(slug: str, offer_type: str, pos_discount_id: str, texts: dict[str, tuple[str, str]]) -> Offer:
    return Offer(
        id=_id(f"offer:{slug}"),
        slug=slug,
        offer_type=offer_type,
        pos_discount_id=pos_discount_id,
        image_url=f"{MEDIA_URL}/offers/{slug}.svg",
        texts={
            culture: OfferText(name=name, description=description, terms=_VALIDITY_TERMS[culture])
            for culture, (name, description) in texts.items()
        },
    )


TUESDAY_COUPON = _offer(
    "mobile-tuesdays-20-off",
    "coupon",
    "FF-20-OFF",
    {
        "en-US": ("20% off your order", "Mobile Tuesdays: take 20% off one order in the Fancy Fries app."),
        "pt-BR": ("20% de desconto no seu pedido", "Terças no App: 20% de desconto em um pedido no app Fancy Fries."),
        "es-ES": ("20 % de descuento en tu pedido", "Martes móviles: 20 % de descuento en un pedido en la app."),
        "fr-FR": ("20 % de réduction sur votre commande", "Mardis mobiles : 20 % de réduction sur une commande."),
    },
)
FREE_SNACK_BOX = _offer(
    "free-snack-box",
    "manual_fulfillment",
    "FF-FREE-SNACK-BOX",
    {
        "en-US": ("Free Snack Box", "A Snack Box on us."),
        "pt-BR": ("Snack Box grátis", "Uma Snack Box por nossa conta."),
        "es-ES": ("Snack Box gratis", "Una Snack Box invita la casa."),
        "fr-FR": ("Snack Box offerte", "Une Snack Box offerte par la maison."),
    },
)
FREE_LARGE_FRIES = _offer(
    "free-large-fries",
    "manual_fulfillment",
    "FF-FREE-LARGE",
    {
        "en-US": ("Free Large Fries", "Large fries on us."),
        "pt-BR": ("Batata grande grátis", "Uma batata grande por nossa conta."),
        "es-ES": ("Patatas grandes gratis", "Unas patatas grandes invita la casa."),
        "fr-FR": ("Grande frite offerte", "Une grande frite offerte par la maison."),
    },
)
FREE_CURLY_FRIES = _offer(
    "free-curly-fries",
    "manual_fulfillment",
    "FF-FREE-CURLY",
    {
        "en-US": ("Free Curly Fries", "Curly fries on us."),
        "pt-BR": ("Batata curly grátis", "Uma batata curly por nossa conta."),
        "es-ES": ("Patatas rizadas gratis", "Unas patatas rizadas invita la casa."),
        "fr-FR": ("Frites bouclées offertes", "Des frites bouclées offertes par la maison."),
    },
)
FIVE_DOLLARS_OFF = _offer(
    "five-dollars-off",
    "coupon",
    "FF-5-OFF",
    {
        "en-US": ("$5 off", "Take $5 off your next order."),
        "pt-BR": ("US$ 5 de desconto", "US$ 5 de desconto no seu próximo pedido."),
        "es-ES": ("5 $ de descuento", "5 $ de descuento en tu próximo pedido."),
        "fr-FR": ("5 $ de réduction", "5 $ de réduction sur votre prochaine commande."),
    },
)
FREE_PULLED_PORK_FRIES = _offer(
    "free-pulled-pork-fries",
    "manual_fulfillment",
    "FF-FREE-PULLED-PORK",
    {
        "en-US": ("Free Pulled Pork Fries", "Pulled pork fries on us."),
        "pt-BR": ("Batata com pulled pork grátis", "Uma batata com pulled pork por nossa conta."),
        "es-ES": ("Patatas con pulled pork gratis", "Unas patatas con pulled pork invita la casa."),
        "fr-FR": ("Frites au porc effiloché offertes", "Des frites au porc effiloché offertes par la maison."),
    },
)
OFFERS = {
    offer.id: offer
    for offer in (
        TUESDAY_COUPON,
        FREE_SNACK_BOX,
        FREE_LARGE_FRIES,
        FREE_CURLY_FRIES,
        FIVE_DOLLARS_OFF,
        FREE_PULLED_PORK_FRIES,
    )
}


# --- Campaigns ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CampaignText:
    name: str
    description: str


# Campaign rules (apps/sandbox/sessionm/rules.py decides what each does):
OPT_IN_COUPON = "opt_in_coupon"  # opting in issues the reward offer
SATURDAY_SPEND = "saturday_spend"  # an order of min_subtotal+ opened on a Saturday (UTC) issues the reward
FRIES_VARIETY = "fries_variety"  # after opting in, an order with min_fries_kinds kinds of fries issues the reward


@dataclass(frozen=True)
class Campaign:
    id: str
    slug: str
    rule: str
    requires_opt_in: bool
    reward_offer_id: str
    start: datetime
    end: datetime
    image_url: str
    texts: dict[str, CampaignText]
    promo_code: str | None = None
    min_subtotal: Decimal | None = None
    min_fries_kinds: int | None = None


_PROGRAM_START = datetime(2025, 1, 1, tzinfo=UTC)
_PROGRAM_END = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)
SATURDAY = 5  # datetime.weekday()

MOBILE_TUESDAYS = Campaign(
    id=_id("campaign:mobile-tuesdays"),
    slug="mobile-tuesdays",
    rule=OPT_IN_COUPON,
    requires_opt_in=True,
    reward_offer_id=TUESDAY_COUPON.id,
    promo_code="TUESDAY20",
    start=_PROGRAM_START,
    end=_PROGRAM_END,
    image_url=f"{MEDIA_URL}/campaigns/mobile-tuesdays.svg",
    texts={
        "en-US": CampaignText(
            "Mobile Tuesdays: 20% off",
            "Opt in for a 20% off coupon on your next app order. Have a code? Enter TUESDAY20.",
        ),
        "pt-BR": CampaignText(
            "Terças no App: 20% de desconto",
            "Participe e ganhe um cupom de 20% de desconto no próximo pedido pelo app. Tem um código? Use TUESDAY20.",
        ),
        "es-ES": CampaignText(
            "Martes móviles: 20 % de descuento",
            "Apúntate y consigue un cupón del 20 % para tu próximo pedido en la app. ¿Tienes un código? Usa TUESDAY20.",
        ),
        "fr-FR": CampaignText(
            "Mardis mobiles : 20 % de réduction",
            "Inscrivez-vous et recevez un coupon de 20 % pour votre prochaine commande dans l'app. "
            "Vous avez un code ? Saisissez TUESDAY20.",
        ),
    },
)
SNACK_BOX_SATURDAY = Campaign(
    id=_id("campaign:snack-box-saturday"),
    slug="snack-box-saturday",
    rule=SATURDAY_SPEND,
    requires_opt_in=False,
    reward_offer_id=FREE_SNACK_BOX.id,
    min_subtotal=Decimal("15.00"),
    start=_PROGRAM_START,
    end=_PROGRAM_END,
    image_url=f"{MEDIA_URL}/campaigns/snack-box-saturday.svg",
    texts={
        "en-US": CampaignText(
            "Snack Box Saturday", "Spend $15 or more in one order on a Saturday and get a free Snack Box."
        ),
        "pt-BR": CampaignText(
            "Sábado de Snack Box", "Gaste US$ 15 ou mais em um pedido no sábado e ganhe uma Snack Box grátis."
        ),
        "es-ES": CampaignText(
            "Sábado de Snack Box", "Gasta 15 $ o más en un pedido un sábado y llévate una Snack Box gratis."
        ),
        "fr-FR": CampaignText(
            "Samedi Snack Box", "Dépensez 15 $ ou plus en une commande un samedi et recevez une Snack Box offerte."
        ),
    },
)
LARGE_FRIES_ON_US = Campaign(
    id=_id("campaign:large-fries-on-us"),
    slug="large-fries-on-us",
    rule=FRIES_VARIETY,
    requires_opt_in=True,
    reward_offer_id=FREE_LARGE_FRIES.id,
    min_fries_kinds=2,
    start=_PROGRAM_START,
    end=_PROGRAM_END,
    image_url=f"{MEDIA_URL}/campaigns/large-fries-on-us.svg",
    texts={
        "en-US": CampaignText(
            "Large Fries on us", "Opt in, then order two kinds of fries in one order and get free large fries."
        ),
        "pt-BR": CampaignText(
            "Batata grande por nossa conta",
            "Participe e peça dois tipos de batata em um só pedido para ganhar uma batata grande grátis.",
        ),
        "es-ES": CampaignText(
            "Patatas grandes invita la casa",
            "Apúntate y pide dos tipos de patatas en un mismo pedido para llevarte unas patatas grandes gratis.",
        ),
        "fr-FR": CampaignText(
            "La grande frite offerte",
            "Inscrivez-vous, puis commandez deux sortes de frites en une commande pour une grande frite offerte.",
        ),
    },
)
CAMPAIGNS = {campaign.id: campaign for campaign in (MOBILE_TUESDAYS, SNACK_BOX_SATURDAY, LARGE_FRIES_ON_US)}
# Promo code (upper case) -> the campaign whose reward it grants, once per customer.
PROMO_CODES = {campaign.promo_code: campaign for campaign in CAMPAIGNS.values() if campaign.promo_code}


# --- Rewards Store -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreOffer:
    id: str
    internal_name: str
    offer_id: str
    price: int  # points
    start: datetime
    end: datetime


@dataclass(frozen=True)
class RewardStore:
    id: str
    name: str
    point_account_id: str
    offers: tuple[StoreOffer, ...]


def _store_offer(offer: Offer, price: int) -> StoreOffer:
    return StoreOffer(
        id=_id(f"store-offer:{offer.slug}"),
        internal_name=offer.slug,
        offer_id=offer.id,
        price=price,
        start=_PROGRAM_START,
        end=_PROGRAM_END,
    )


REWARD_STORE = RewardStore(
    id=_id("reward-store:fries-points"),
    name="Fries Points",
    point_account_id=POINT_ACCOUNT.id,
    offers=(
        _store_offer(FREE_CURLY_FRIES, 500),
        _store_offer(FIVE_DOLLARS_OFF, 700),
        _store_offer(FREE_PULLED_PORK_FRIES, 900),
        _store_offer(FREE_SNACK_BOX, 1_200),
    ),
)
REWARD_STORES = {REWARD_STORE.id: REWARD_STORE}


# --- Behaviour events (trigger_user_event) -----------------------------------------------------------------
@dataclass(frozen=True)
class BehaviourEvent:
    lookup: str
    points: int  # awarded once per customer
    source_name: str  # the point audit log's point_source_name
    texts: dict[str, str]


EVENTS = {
    event.lookup: event
    for event in (
        BehaviourEvent(
            "survey_completed",
            50,
            "Survey completed",
            {
                "en-US": "Survey completed",
                "pt-BR": "Pesquisa respondida",
                "es-ES": "Encuesta completada",
                "fr-FR": "Questionnaire rempli",
            },
        ),
        BehaviourEvent(
            "app_review",
            25,
            "App review",
            {
                "en-US": "App review",
                "pt-BR": "Avaliação do app",
                "es-ES": "Reseña de la app",
                "fr-FR": "Avis sur l'app",
            },
        ),
    )
}


# --- Activity log (Core timelines) -------------------------------------------------------------------------
TIMELINE_VIEWS = ("END_USER_MEMBER_STATEMENT",)


@dataclass(frozen=True)
class TimelineEventType:
    id: int
    slug: str
    name: str
    titles: dict[str, str]  # str.format templates: {points} {offer} {amount} {campaign} {code} {event} {tier}


TIMELINE_EVENT_TYPES = {
    kind.slug: kind
    for kind in (
        TimelineEventType(1, "welcome_bonus", "Welcome bonus", {
            "en-US": "Welcome bonus: {points} points",
            "pt-BR": "Bônus de boas-vindas: {points} pontos",
            "es-ES": "Bono de bienvenida: {points} puntos",
            "fr-FR": "Bonus de bienvenue : {points} points",
        }),
        TimelineEventType(2, "purchase", "Purchase", {
            "en-US": "Purchase of ${amount}: {points} points",
            "pt-BR": "Compra de US$ {amount}: {points} pontos",
            "es-ES": "Compra de {amount} $: {points} puntos",
            "fr-FR": "Achat de {amount} $ : {points} points",
        }),
        TimelineEventType(3, "purchase_adjusted", "Purchase adjusted", {
            "en-US": "Purchase adjusted: {points} points",
            "pt-BR": "Compra ajustada: {points} pontos",
            "es-ES": "Compra ajustada: {points} puntos",
            "fr-FR": "Achat ajusté : {points} points",
        }),
        TimelineEventType(4, "offer_issued", "Offer issued", {
            "en-US": "{offer} added to your wallet",
            "pt-BR": "{offer} adicionado à sua carteira",
            "es-ES": "{offer} añadido a tu cartera",
            "fr-FR": "{offer} ajouté à votre portefeuille",
        }),
        TimelineEventType(5, "offer_redeemed", "Offer redeemed", {
            "en-US": "{offer} redeemed",
            "pt-BR": "{offer} resgatado",
            "es-ES": "{offer} canjeado",
            "fr-FR": "{offer} utilisé",
        }),
        TimelineEventType(6, "offer_revoked", "Offer revoked", {
            "en-US": "{offer} removed from your wallet",
            "pt-BR": "{offer} removido da sua carteira",
            "es-ES": "{offer} retirado de tu cartera",
            "fr-FR": "{offer} retiré de votre portefeuille",
        }),
        TimelineEventType(7, "offer_purchased", "Offer purchased", {
            "en-US": "{points} points spent on {offer}",
            "pt-BR": "{points} pontos trocados por {offer}",
            "es-ES": "{points} puntos canjeados por {offer}",
            "fr-FR": "{points} points échangés contre {offer}",
        }),
        TimelineEventType(8, "campaign_opt_in", "Campaign opt-in", {
            "en-US": "You joined {campaign}",
            "pt-BR": "Você entrou em {campaign}",
            "es-ES": "Te has unido a {campaign}",
            "fr-FR": "Vous participez à {campaign}",
        }),
        TimelineEventType(9, "campaign_completed", "Campaign completed", {
            "en-US": "{campaign} completed",
            "pt-BR": "{campaign} concluída",
            "es-ES": "{campaign} completada",
            "fr-FR": "{campaign} terminée",
        }),
        TimelineEventType(10, "promo_code_claimed", "Promo code claimed", {
            "en-US": "Promo code {code} claimed",
            "pt-BR": "Código promocional {code} resgatado",
            "es-ES": "Código promocional {code} canjeado",
            "fr-FR": "Code promo {code} utilisé",
        }),
        TimelineEventType(11, "event_reward", "Event reward", {
            "en-US": "{event}: {points} points",
            "pt-BR": "{event}: {points} pontos",
            "es-ES": "{event}: {points} puntos",
            "fr-FR": "{event} : {points} points",
        }),
        TimelineEventType(12, "points_deposited", "Points deposited", {
            "en-US": "{points} points added",
            "pt-BR": "{points} pontos adicionados",
            "es-ES": "{points} puntos añadidos",
            "fr-FR": "{points} points ajoutés",
        }),
        TimelineEventType(13, "points_spent", "Points spent", {
            "en-US": "{points} points spent",
            "pt-BR": "{points} pontos usados",
            "es-ES": "{points} puntos gastados",
            "fr-FR": "{points} points utilisés",
        }),
        TimelineEventType(14, "tier_changed", "Tier changed", {
            "en-US": "Your tier is now {tier}",
            "pt-BR": "Seu nível agora é {tier}",
            "es-ES": "Tu nivel ahora es {tier}",
            "fr-FR": "Votre niveau est désormais {tier}",
        }),
    )
}  # fmt: skip
