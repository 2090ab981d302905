"""Views that raise each kind of failure, so the envelope can be tested without depending on features."""

from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import Conflict
from apps.upstream.errors import UpstreamBadResponse, UpstreamTimeout, UpstreamUnavailable

RAISES = {
    "unavailable": UpstreamUnavailable("sessionm user_get failed: ConnectionError"),
    "timeout": UpstreamTimeout("sessionm user_get timed out after 5.0s"),
    "bad": UpstreamBadResponse("not JSON"),
    "conflict": Conflict("You need 320 more points.", code="insufficient_points", details={"missing_points": 320}),
    "crash": RuntimeError("boom"),
}


class _Input(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)


class Raising(APIView):
    permission_classes = [AllowAny]

    def get(self, request, kind):
        raise RAISES[kind]

    def post(self, request, kind):
        serializer = _Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class Private(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({})


urlpatterns = [
    path("api/v1/raise/<str:kind>", Raising.as_view()),
    path("api/v1/private", Private.as_view()),
]

# The project's handlers, as the root urlconf declares them (a test urlconf replaces the root one).
handler404 = "apps.api.views_errors.json_or_html_404"
handler500 = "apps.api.views_errors.json_or_html_500"
