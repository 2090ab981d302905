"""The database cache's table (apps/api/cache.py), made by `migrate` so no deployment step can forget it. A no-op
when the cache is Redis (createcachetable only creates tables of database caches)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True)]
