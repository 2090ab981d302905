"""The sandbox till (/sandbox/till/, staff only): type or paste a customer's member code, pick items from the
demo menu, ring them up. It is a till like any other: it signs the purchase with the sandbox POS client's key
(created by `seed_demo`) and POSTs it to the BFF's /integrations/pos/transactions over HTTP.

The signing is written out here rather than imported from apps.loyalty, like a till vendor would write it
from the README, so the till checks the intake instead of agreeing with it by construction.
"""

import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import requests
from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.loyalty.models import PosClient

from . import demo

TIMEOUT = (2.0, 15.0)
MAX_QUANTITY = 20
PAYMENT_TYPES = (("CARD", "Card"), ("CASH", "Cash"))


def signed_post(*, url: str, path: str, key_id: str, key: str, body: bytes) -> requests.Response:
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    to_sign = "\n".join(["POST", path, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()
    signature = "sha256=" + hmac.new(key.encode(), to_sign, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-POS-Key-Id": key_id,
        "X-POS-Timestamp": timestamp,
        "X-POS-Nonce": nonce,
        "X-POS-Signature": signature,
    }
    return requests.post(url, data=body, headers=headers, timeout=TIMEOUT)


class TillForm(forms.Form):
    member_code = forms.CharField(max_length=64, label="Member code (from the customer's My card)")
    payment = forms.ChoiceField(choices=PAYMENT_TYPES, initial="CARD")
    promo_code = forms.RegexField(r"^[A-Za-z0-9_-]{1,64}$", required=False, max_length=64, label="Promo code")
    # Made when the form is drawn: sending the same ring-up twice (a double click, a reload) is one purchase.
    request_id = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for sku, price in demo.MENU.items():
            self.fields[f"qty_{sku}"] = forms.IntegerField(
                min_value=0, max_value=MAX_QUANTITY, initial=0, required=False, label=f"{sku} (${price})"
            )

    def lines(self) -> list[dict]:
        return [
            {"sku": sku, "quantity": self.cleaned_data[f"qty_{sku}"], "unit_price": str(price)}
            for sku, price in demo.MENU.items()
            if self.cleaned_data.get(f"qty_{sku}")
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.lines():
            raise forms.ValidationError("Pick at least one item.")
        return cleaned


@dataclass(frozen=True)
class RingUp:
    status: int | None
    answer: str
    accepted: bool


def _new_form() -> TillForm:
    return TillForm(initial={"request_id": f"sandbox-till-{uuid.uuid4()}"})


@staff_member_required
@require_http_methods(["GET", "POST"])
def till(request: HttpRequest) -> HttpResponse:
    client = PosClient.objects.filter(key_id=settings.SANDBOX_TILL_KEY_ID).first()
    context: dict[str, object] = {"client": client, "store_id": settings.SANDBOX_TILL_STORE_ID, "menu": demo.MENU}
    if request.method == "GET":
        return render(request, "sandbox/till.html", {**context, "form": _new_form()})
    form = TillForm(request.POST)
    if client is None or not form.is_valid():
        return render(request, "sandbox/till.html", {**context, "form": form}, status=400)
    lines = form.lines()
    total = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
    body = {
        "request_id": form.cleaned_data["request_id"],
        "store_id": settings.SANDBOX_TILL_STORE_ID,
        "member_code": form.cleaned_data["member_code"],
        "lines": lines,
        "payments": [{"type": form.cleaned_data["payment"], "amount": f"{total:.2f}"}],
    }
    if form.cleaned_data["promo_code"]:
        body["promo_code"] = form.cleaned_data["promo_code"]
    path = reverse("pos:transactions")
    url = (settings.SANDBOX_TILL_BFF_URL + path) if settings.SANDBOX_TILL_BFF_URL else request.build_absolute_uri(path)
    try:
        response = signed_post(
            url=url, path=path, key_id=client.key_id, key=client.signing_key(), body=json.dumps(body).encode()
        )
    except requests.RequestException as exc:
        result = RingUp(status=None, answer=f"Could not reach {url}: {exc.__class__.__name__}", accepted=False)
    else:
        try:
            answer = json.dumps(response.json(), indent=2)
        except ValueError:
            answer = response.text[:2000]
        result = RingUp(status=response.status_code, answer=answer, accepted=response.status_code == 202)
    context.update({"form": _new_form(), "result": result, "sent": json.dumps(body, indent=2), "total": total})
    return render(request, "sandbox/till.html", context)
