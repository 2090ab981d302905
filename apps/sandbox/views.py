"""The sandbox's page for developers (/sandbox/, mounted only while SANDBOX_ENABLED): the messages Braze would
have sent, the SessionM customers the sandbox holds, and the fault switches."""

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import faults
from .braze.selectors import message_list, message_targets
from .models import BrazeMessage, Document
from .router import SANDBOX_DB

MESSAGES_PER_PAGE = 20
CUSTOMERS_SHOWN = 50
SESSIONM_USER_KIND = "sessionm.user"
WALLET_CULTURE = "en-US"


class MessageFilterForm(forms.Form):
    target = forms.CharField(required=False, max_length=100)
    recipient = forms.CharField(required=False, max_length=200)


class FaultSwitchForm(forms.Form):
    upstream = forms.ChoiceField(choices=[(name, name) for name in faults.UPSTREAMS], widget=forms.HiddenInput)
    latency_ms = forms.IntegerField(label="Latency (ms)", min_value=0, max_value=faults.MAX_LATENCY_MS, initial=0)
    error_rate = forms.FloatField(label="5xx share", min_value=0, max_value=1, initial=0)
    timeout_rate = forms.FloatField(label="Timeout share", min_value=0, max_value=1, initial=0)
    rate_limit_rate = forms.FloatField(label="429 share", min_value=0, max_value=1, initial=0)
    deferred_rate = forms.FloatField(
        label="Queued / pending share", min_value=0, max_value=1, initial=0, required=False
    )

    def __init__(self, *args, upstream: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.upstream_name = upstream
        if upstream not in faults.RATE_LIMITED_UPSTREAMS:
            del self.fields["rate_limit_rate"]
        if upstream not in faults.DEFERRED_UPSTREAMS:
            del self.fields["deferred_rate"]


@dataclass(frozen=True)
class _MessageRow:
    message: BrazeMessage
    properties: list[tuple[str, str]]
    attributes: list[tuple[str, str]]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _render_index(request)


@require_POST
def faults_update(request: HttpRequest) -> HttpResponse:
    upstream = request.POST.get("upstream", "")
    if upstream not in faults.UPSTREAMS:
        flash.error(request, "Choose one of the upstreams listed.")
        return _render_index(request, status=400)
    form = FaultSwitchForm(request.POST, upstream=upstream)
    if not form.is_valid():
        return _render_index(request, invalid=form, status=400)
    values = {name: value for name, value in form.cleaned_data.items() if name != "upstream" and value is not None}
    faults.replace_faults(upstreams=[upstream], **values)
    flash.success(request, f"Fault switches of {upstream} saved.")
    return redirect("sandbox:index")


@require_GET
def customer(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _sessionm_user(user_id)
    if user is None:
        raise Http404("No such SessionM user in the sandbox")
    context = {
        "user": user,
        "wallet": _sessionm_wallet(user_id),
        "braze_messages": [_row(message) for message in message_list(recipient=user_id)[:MESSAGES_PER_PAGE]],
    }
    return render(request, "sandbox/customer.html", context)


def _render_index(request: HttpRequest, *, invalid: FaultSwitchForm | None = None, status: int = 200) -> HttpResponse:
    filters = MessageFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {"target": "", "recipient": ""}
    paginator = Paginator(message_list(target_id=chosen["target"], recipient=chosen["recipient"]), MESSAGES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    current = faults.all_faults()
    fault_forms = [
        invalid
        if invalid is not None and invalid.upstream_name == name
        else FaultSwitchForm(initial={"upstream": name, **switch.as_dict()}, upstream=name)
        for name, switch in current.items()
    ]
    customers, customer_count = _sessionm_users(limit=CUSTOMERS_SHOWN)
    context = {
        "filters": chosen,
        "targets": message_targets(),
        "page": page,
        "rows": [_row(message) for message in page.object_list],
        "query": _query_without_page(request),
        "customers": customers,
        "customer_count": customer_count,
        "fault_forms": fault_forms,
    }
    return render(request, "sandbox/index.html", context, status=status)


def _row(message: BrazeMessage) -> _MessageRow:
    return _MessageRow(
        message=message, properties=_readable(message.properties), attributes=_readable(message.attributes)
    )


def _readable(values: dict) -> list[tuple[str, str]]:
    return [
        (key, value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False))
        for key, value in sorted(values.items())
    ]


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- SessionM customers, read through the emulator's own handlers (its wire shapes are the contract) -------


def _sessionm_users(*, limit: int) -> tuple[list[dict[str, Any]], int]:
    documents = Document.objects.using(SANDBOX_DB).filter(kind=SESSIONM_USER_KIND).order_by("-created_at", "-id")
    users = [user for document in documents[:limit] if (user := _sessionm_user(document.key)) is not None]
    return users, documents.count()


def _sessionm_user(user_id: str) -> dict[str, Any] | None:
    answer = _sessionm_call("user_get", query={"expand_incentives": "true"}, user_id=user_id)
    return answer.get("user") if answer else None


def _sessionm_wallet(user_id: str) -> list[dict[str, Any]]:
    body = {"user_id": user_id, "skip": 0, "take": 100, "culture": WALLET_CULTURE}
    answer = _sessionm_call("user_offers_get", body)
    return answer["payload"].get("user_offers", []) if answer else []


def _sessionm_call(route: str, body: Any = None, **kwargs) -> dict[str, Any] | None:
    try:
        from .sessionm.calls import call
    except ModuleNotFoundError:
        return None
    response = call(route, body, **kwargs)
    if response.status != 200 or not isinstance(response.body, dict):
        return None
    return response.body if str(response.body.get("status", "")).lower() == "ok" else None
