"""The sandbox's page for developers, mounted at /sandbox/ only while SANDBOX_ENABLED (loyalty_bff/urls.py)."""

from django.urls import path

from . import till, views

app_name = "sandbox"
urlpatterns = [
    path("", views.index, name="index"),
    path("customers/<path:user_id>/", views.customer, name="customer"),
    path("faults/", views.faults_update, name="faults"),
    path("till/", till.till, name="till"),
]
