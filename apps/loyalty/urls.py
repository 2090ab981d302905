"""Routes of the app API under /api/v1/ (mounted by apps/api/urls.py)."""

urlpatterns = []
