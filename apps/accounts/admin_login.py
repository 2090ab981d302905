"""The admin's login page behind the same login throttle as the app and the web wallet: per address, and failed
attempts per account (apps/api/throttles.py). Django's admin has no throttle of its own; a staff password is
the most valuable one there is."""

from django.contrib import admin
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from apps.api.throttles import login_attempt_wait, login_failure_record


@never_cache
@sensitive_post_parameters()
def admin_login(request):
    if request.method != "POST":
        return admin.site.login(request)
    username = request.POST.get("username")
    wait = login_attempt_wait(request, account=username)
    if wait:
        context = {**admin.site.each_context(request), "title": "Log in", "wait": wait}
        response = render(request, "admin/login_throttled.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    response = admin.site.login(request)
    if not request.user.is_authenticated:
        login_failure_record(account=username)
    return response
