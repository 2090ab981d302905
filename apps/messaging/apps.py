from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"

    def ready(self):
        # The composition root of the app's line: the modules below tasks.py ask for work through `later`,
        # and the tasks do it (apps/messaging/later.py says why it goes this way round).
        from . import later, tasks

        later.connect(tasks)
