"""Keep the model versions an existing installation uses.

Before this migration a model without an admin's choice ran its newest installed version, so
copying a new version in switched to it at once. Now the first version seen is pinned (see
`inference.selectors.models_active`). An installation that already has readings of a model
keeps the newest version those readings used, until an admin activates another; a fresh
database has no readings, so its models get their newest version on first use.
"""

from django.db import migrations
from django.utils import timezone


def _version_key(version: str) -> tuple:
    # As inference.registry.version_key, copied so that this migration never changes meaning.
    parts = version.split(".")
    if all(part.isdigit() for part in parts):
        return (1, tuple(int(part) for part in parts), version)
    return (0, (), version)


def pin_versions_in_use(apps, schema_editor):
    ActiveModel = apps.get_model("inference", "ActiveModel")
    Reading = apps.get_model("readings", "Reading")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    chosen = set(ActiveModel.objects.values_list("name", flat=True))
    in_use: dict[str, set[str]] = {}
    for name, version in Reading.objects.values_list("model_name", "model_version").distinct():
        in_use.setdefault(name, set()).add(version)
    for name in sorted(set(in_use) - chosen):
        version = max(in_use[name], key=_version_key)
        ActiveModel.objects.create(name=name, version=version)
        AuditEvent.objects.create(
            created_at=timezone.now(),
            action="model.activate",
            object_type="model",
            object_id=name[:64],
            allowed=True,
            detail={"version": version, "pinned": "the newest version the existing readings used"},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("inference", "0001_initial"),
        ("readings", "0002_server_verification"),
        ("audit", "0002_append_only_trigger"),
    ]

    operations = [migrations.RunPython(pin_versions_in_use, migrations.RunPython.noop)]
