"""Keeps the sandbox's state in its own database ("sandbox" alias), apart from the BFF's data."""

SANDBOX_DB = "sandbox"


class SandboxRouter:
    def db_for_read(self, model, **hints):
        return SANDBOX_DB if model._meta.app_label == "sandbox" else None

    def db_for_write(self, model, **hints):
        return SANDBOX_DB if model._meta.app_label == "sandbox" else None

    def allow_relation(self, obj1, obj2, **hints):
        in_sandbox = {obj1._meta.app_label == "sandbox", obj2._meta.app_label == "sandbox"}
        return None if len(in_sandbox) == 1 else False

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == "sandbox":
            return db == SANDBOX_DB
        return db != SANDBOX_DB
