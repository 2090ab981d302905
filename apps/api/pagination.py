"""Page-number pagination as API.md states it: `page` and `page_size` (default 20, max 50), answering
{"count"?, "next", "previous", "results"}.

Upstream lists are paginated by the upstream (skip/take), so services return an `UpstreamPage` and views
use `paginated_response` to render it with links to the next and previous pages.
"""

from dataclasses import dataclass

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .fields import QuerySerializer

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
# Upstream lists are read with skip = (page - 1) x page_size: a page number from a fuzzer or a scraper must not
# become a skip of 10^24 at SessionM. 1,000 pages of 50 is far beyond any customer's history.
MAX_PAGE = 1000


class PageParamsSerializer(QuerySerializer):
    """Validates `page`/`page_size` for upstream-backed lists (bad values are a 400, not a silent default)."""

    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE)

    @property
    def skip(self) -> int:
        return (self.validated_data["page"] - 1) * self.validated_data["page_size"]


@dataclass(frozen=True)
class UpstreamPage:
    results: list
    page: int
    page_size: int
    count: int | None = None  # when the upstream reports a total
    has_next: bool = False


def paginated_response(request, page: UpstreamPage, serializer_class: type[serializers.BaseSerializer]) -> Response:
    """The page's results rendered by `serializer_class`, with links to the pages beside it."""
    results_data = serializer_class(page.results, many=True).data
    next_url = previous_url = None
    # Built only when there is a link to make: the usual answer is one page, and building the absolute URL
    # was a measurable share of a wallet request (bench/profile_screens.py).
    if page.has_next or page.page > 1:
        url = request.build_absolute_uri()
        if page.has_next:
            next_url = replace_query_param(url, "page", page.page + 1)
        if page.page == 2:
            previous_url = remove_query_param(url, "page")
        elif page.page > 2:
            previous_url = replace_query_param(url, "page", page.page - 1)
    body: dict[str, object] = {"next": next_url, "previous": previous_url, "results": results_data}
    if page.count is not None:
        body = {"count": page.count, **body}
    return Response(body)
