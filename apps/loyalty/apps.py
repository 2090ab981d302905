from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "apps.loyalty"
    label = "loyalty"

    def ready(self) -> None:
        from apps.messaging.signals import sessionm_activity_reported

        from .timeline import forget_reported_activity

        # dispatch_uid: connected once even if ready() runs again (as it can in tests).
        sessionm_activity_reported.connect(forget_reported_activity, dispatch_uid="loyalty-timeline-forget")
