"""Log plumbing: the JSON formatter of LOG_FORMAT=json, and a filter that keeps configured secrets out of
every log line, whatever code wrote it (an exception message quoting a URL with SessionM's key in its path,
a debug line printing a header)."""

import logging
import re
from urllib.parse import urlsplit

from pythonjsonlogger.json import JsonFormatter

_SECRET_SETTING = re.compile(r"(SECRET|PASSWORD|API_KEY|_KEY$|TOKEN)")
_REDACTED = "[redacted]"
_PLAIN = logging.Formatter()


class RedactSecretsFilter(logging.Filter):
    def __init__(self, name=""):
        super().__init__(name)
        self._secrets: list[str] | None = None

    def _load(self) -> list[str]:
        from django.conf import settings

        values = []
        for name in dir(settings):
            if name.isupper() and _SECRET_SETTING.search(name):
                value = getattr(settings, name, None)
                # Short values would redact ordinary words; every real secret is longer than this.
                if isinstance(value, str) and len(value) >= 8:
                    values.append(value)
        # Passwords inside DATABASE_URL / CACHE_URL end up in these dicts, not in settings of their own.
        values += [db.get("PASSWORD") or "" for db in settings.DATABASES.values()]
        for cache in settings.CACHES.values():
            for location in [cache.get("LOCATION") or ""] if isinstance(cache.get("LOCATION"), str) else []:
                password = urlsplit(location).password if "://" in location else None
                values.append(password or "")
        return sorted({value for value in values if len(value) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets is None:
            try:
                self._secrets = self._load()
            except Exception:  # noqa: BLE001 - settings not configured yet (a start-up error): log it as is
                return True
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info or record.exc_text:
            # Tracebacks quote arguments and URLs too: format it here, redacted, and let formatters reuse it.
            record.exc_text = self._redact(
                record.exc_text or _PLAIN.formatException(record.exc_info or (None, None, None))
            )
            record.exc_info = None
        return True

    def _redact(self, text: str) -> str:
        for secret in self._secrets or ():
            if secret in text:
                text = text.replace(secret, _REDACTED)
        return text


class JsonLogFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id and any `extra=` fields."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)
