"""Every page in each language the product speaks: its title, its skip link and its `lang`."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.customers import signup

from .pages import CUSTOMER_PAGES, VISITOR_PAGES, text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


TITLES = {
    "en": {
        "wallet": "Your wallet",
        "campaigns": "Campaigns",
        "points": "Your points",
        "activity": "Activity",
        "profile": "Your profile",
        "forget": "Forget me",
        "landing": "Rewards that taste better",
        "signup": "Join Fancy Fries rewards",
        "login": "Log in",
    },
    "pt-br": {
        "wallet": "Sua carteira",
        "campaigns": "Campanhas",
        "points": "Seus pontos",
        "activity": "Atividade",
        "profile": "Seu perfil",
        "forget": "Esquecer-me",
        "landing": "Recompensas com mais sabor",
        "signup": "Participe das recompensas Fancy Fries",
        "login": "Entrar",
    },
    "es": {
        "wallet": "Tu cartera",
        "campaigns": "Campañas",
        "points": "Tus puntos",
        "activity": "Actividad",
        "profile": "Tu perfil",
        "forget": "Olvidarme",
        "landing": "Recompensas con más sabor",
        "signup": "Únete a las recompensas Fancy Fries",
        "login": "Iniciar sesión",
    },
    "fr": {
        "wallet": "Votre portefeuille",
        "campaigns": "Campagnes",
        "points": "Vos points",
        "activity": "Activité",
        "profile": "Votre profil",
        "forget": "M'oublier",
        "landing": "Des récompenses qui ont du goût",
        "signup": "Rejoignez les récompenses Fancy Fries",
        "login": "Se connecter",
    },
}


SKIP_LINK = {
    "en": "Skip to main content",
    "pt-br": "Pular para o conteúdo principal",
    "es": "Saltar al contenido principal",
    "fr": "Aller au contenu principal",
}


@pytest.mark.parametrize("language", TITLES)
def test_every_customer_page_in_each_language(language):
    customer = signup(language=language)
    browser = Client()
    browser.force_login(customer.user)

    for name in CUSTOMER_PAGES:
        response = browser.get(reverse(f"web:{name}"))
        page = text(response)
        assert response.status_code == 200, name
        assert f'<html lang="{language}"' in page, name
        assert f"<title>{TITLES[language][name]} · Fancy Fries</title>" in page, name
        assert SKIP_LINK[language] in page, name


@pytest.mark.parametrize("language", TITLES)
def test_every_visitor_page_in_each_language(client, language):
    for name in VISITOR_PAGES:
        response = client.get(reverse(f"web:{name}"), HTTP_ACCEPT_LANGUAGE=language)
        page = text(response)
        assert f'<html lang="{language}"' in page, name
        assert f"<title>{TITLES[language][name]} · Fancy Fries</title>" in page, name
