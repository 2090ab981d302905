"""The bare-Django baseline of bench/screens.py: one JSON view, no apps, no middleware, no database, served
by the same gunicorn as the BFF. What any Django request costs before the BFF does anything.

    gunicorn --pythonpath bench bare_django:application
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-django-not-a-secret",  # noqa: S106 - serves one constant JSON document
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_I18N=False,
)


def ping(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [path("ping", ping)]

application = get_wsgi_application()
