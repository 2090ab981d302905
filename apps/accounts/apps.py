from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from . import auth_cache
        from .models import Customer

        # Any change to a user or its customer makes the API's cached copy of them stale in every process.
        user_model = get_user_model()
        for signal in (post_save, post_delete):
            signal.connect(auth_cache.on_user_changed, sender=user_model, dispatch_uid=f"auth-user-{signal}")
            signal.connect(auth_cache.on_customer_changed, sender=Customer, dispatch_uid=f"auth-customer-{signal}")
