"""The customer's language: the Django language codes the product speaks and the SessionM culture each
one selects for offer texts."""

# Django language code -> SessionM `culture` (offer texts) and Braze `language` (ISO-639-1).
_CULTURES = {"en": "en-US", "pt-br": "pt-BR", "es": "es-ES", "fr": "fr-FR"}
DEFAULT_LANGUAGE = "en"


# The zone most customers of each language live in: times are shown in it until the customer picks theirs
# (the browser's zone is offered at signup and on the profile when JavaScript runs).
_USUAL_TIME_ZONES = {
    "en": "America/New_York",
    "pt-br": "America/Sao_Paulo",
    "es": "Europe/Madrid",
    "fr": "Europe/Paris",
}


def usual_time_zone(language: str | None) -> str:
    return _USUAL_TIME_ZONES.get((language or "").lower(), _USUAL_TIME_ZONES[DEFAULT_LANGUAGE])


def culture_for(language: str | None) -> str:
    return _CULTURES.get((language or "").lower(), _CULTURES[DEFAULT_LANGUAGE])


def braze_language(language: str | None) -> str:
    return (language or DEFAULT_LANGUAGE).split("-")[0]
