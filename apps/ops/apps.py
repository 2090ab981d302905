import logging

from django.apps import AppConfig
from django.conf import settings


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self):
        if settings.LOG_FORMAT == "json":
            # Python warnings go straight to stderr otherwise: plain text lines inside the JSON log stream.
            logging.captureWarnings(True)
