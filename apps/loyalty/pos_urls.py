"""The till's routes under /integrations/pos/ (loyalty_bff/urls.py)."""

from django.urls import path

from . import pos_apis

app_name = "pos"
urlpatterns = [
    path("transactions", pos_apis.PosTransactionsApi.as_view(), name="transactions"),
]
