"""Settings come from the environment; bad values stop the process at start."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envint, envlist, envsecret

REPO_ROOT = Path(__file__).resolve().parents[2]
MANAGE = REPO_ROOT / "backend" / "manage.py"


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    clean.update({"DJANGO_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], env=clean, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "imaging.example.org",
}


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50) + "\n")
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": "", "DJANGO_SECRET_KEY_FILE": str(key_file)}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = manage("check", env={**PRODUCTION, "DJANGO_SECRET_KEY": ""}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start(tmp_path):
    result = manage("check", env={**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ""}, tmp_path=tmp_path)
    assert result.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_refuses_mail_backends_that_print_or_keep_links(tmp_path):
    for backend in ("console", "locmem"):
        env = {**PRODUCTION, "DJANGO_EMAIL_BACKEND": f"django.core.mail.backends.{backend}.EmailBackend"}
        result = manage("check", env=env, tmp_path=tmp_path)
        assert result.returncode != 0, backend
        assert "ImproperlyConfigured" in result.stderr and "DJANGO_EMAIL_BACKEND" in result.stderr


def test_production_sends_mail_over_smtp_by_default(tmp_path):
    show = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    result = manage("shell", "-c", show, env=PRODUCTION, tmp_path=tmp_path)
    assert result.stdout.splitlines()[-1] == "django.core.mail.backends.smtp.EmailBackend", result.stderr


def test_the_old_forwarded_for_switch_points_to_num_proxies(tmp_path):
    result = manage("check", env={"AUDIT_TRUST_X_FORWARDED_FOR": "true"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "NUM_PROXIES" in result.stderr


@pytest.mark.parametrize(
    "env, public",
    [({}, True), (PRODUCTION, False), ({**PRODUCTION, "API_DOCS_PUBLIC": "true"}, True), ({"API_DOCS_PUBLIC": "false"}, False)],
)
def test_the_api_docs_are_public_only_while_debugging_unless_set(tmp_path, env, public):
    result = manage("shell", "-c", "from django.conf import settings; print(settings.API_DOCS_PUBLIC)", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(public)


def test_malformed_value_refuses_to_start(tmp_path):
    result = manage("check", env={"DJANGO_DEBUG": "maybe"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "DJANGO_DEBUG" in result.stderr


def test_envbool_reads_common_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert envbool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert envbool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert envbool("FLAG", True) is True
    monkeypatch.setenv("FLAG", "2")
    with pytest.raises(ImproperlyConfigured):
        envbool("FLAG", True)


def test_envint_checks_type_and_minimum(monkeypatch):
    monkeypatch.setenv("LIMIT", "12")
    assert envint("LIMIT", 1) == 12
    monkeypatch.setenv("LIMIT", "twelve")
    with pytest.raises(ImproperlyConfigured):
        envint("LIMIT", 1)
    monkeypatch.setenv("LIMIT", "0")
    with pytest.raises(ImproperlyConfigured):
        envint("LIMIT", 1, minimum=1)


def test_envlist_and_envsecret(monkeypatch, tmp_path):
    monkeypatch.setenv("HOSTS", " a.example, b.example ,")
    assert envlist("HOSTS") == ["a.example", "b.example"]
    monkeypatch.setenv("TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured):
        envsecret("TOKEN")


def test_celery_runs_tasks_in_process_without_a_broker(settings):
    from config.celery import app

    assert not settings.CELERY_BROKER_URL
    assert app.conf.task_always_eager is True


def test_embedded_default_uses_sqlite_under_the_data_dir(tmp_path):
    code = (
        "from django.conf import settings; db = settings.DATABASES['default']; "
        "print(db['ENGINE'], db['NAME'], settings.MEDIA_ROOT)"
    )
    result = manage("shell", "-c", code, env={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    engine, name, media = result.stdout.strip().splitlines()[-1].split()
    assert engine == "django.db.backends.sqlite3"
    assert name == str(tmp_path / "data" / "db.sqlite3") and media == str(tmp_path / "data" / "media")


def write_secret(tmp_path: Path, name: str, value: str) -> str:
    path = tmp_path / name
    path.write_text(value + "\n")
    return str(path)


def production_with_every_deployment_setting(tmp_path: Path) -> dict[str, str]:
    """What a hospital's server sets: secrets in files, a proxy in front, PostgreSQL, an object store."""
    return {
        **PRODUCTION,
        "DJANGO_SECRET_KEY": "",
        "DJANGO_SECRET_KEY_FILE": write_secret(tmp_path, "secret_key", secrets.token_urlsafe(50)),
        "DJANGO_TRUST_X_FORWARDED_PROTO": "true",
        "NUM_PROXIES": "1",
        "DATABASE_URL": "postgres://imaging@db.internal:5432/imaging",
        "DATABASE_PASSWORD_FILE": write_secret(tmp_path, "db_password", "correct horse battery"),
        "OBJECT_STORAGE_ENDPOINT": "http://objectstore:8333",
        "OBJECT_STORAGE_BUCKET": "uploads",
        "OBJECT_STORAGE_ACCESS_KEY_FILE": write_secret(tmp_path, "s3_access", "access"),
        "OBJECT_STORAGE_SECRET_KEY_FILE": write_secret(tmp_path, "s3_secret", "secret"),
        "UPLOAD_ENCRYPTION_KEY_FILE": write_secret(tmp_path, "upload_key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
        "CACHE_REDIS_URL": "redis://cache.internal:6379/1",
        "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
    }


SHOW_DEPLOYMENT = """
from django.conf import settings
from django.core.files.storage import default_storage
db = settings.DATABASES["default"]
print(db["PASSWORD"], db["HOST"], type(default_storage._wrapped if hasattr(default_storage, "_wrapped") else default_storage).__name__)
print(default_storage.__class__.__name__, default_storage.bucket_name, default_storage.endpoint_url, settings.UPLOAD_ENCRYPTION_KEY.hex()[:8])
print(settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_PROXY_SSL_HEADER)
"""


def test_production_with_every_deployment_setting_passes_the_checklist(tmp_path):
    env = production_with_every_deployment_setting(tmp_path)
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    shown = manage("shell", "-c", SHOW_DEPLOYMENT, env=env, tmp_path=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.strip().splitlines()[-2:]
    assert lines[0] == "ObjectStoreUploadStorage uploads http://objectstore:8333 00010203"
    assert lines[1] == "31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    assert shown.stdout.strip().splitlines()[-3].startswith("correct horse battery db.internal")


def test_the_database_password_is_in_the_url_or_in_a_file_not_both(tmp_path):
    env = production_with_every_deployment_setting(tmp_path)
    env["DATABASE_URL"] = "postgres://imaging:other@db.internal:5432/imaging"
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0 and "DATABASE_PASSWORD" in result.stderr


@pytest.mark.parametrize("missing", ["OBJECT_STORAGE_BUCKET", "OBJECT_STORAGE_ACCESS_KEY_FILE", "OBJECT_STORAGE_SECRET_KEY_FILE"])
def test_an_object_store_without_its_bucket_or_keys_refuses_to_start(tmp_path, missing):
    env = {**production_with_every_deployment_setting(tmp_path), missing: ""}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0 and missing in result.stderr


@pytest.mark.parametrize("key", ["too-short", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", "zz" * 32])
def test_a_malformed_upload_encryption_key_refuses_to_start(tmp_path, key):
    env = {**PRODUCTION, "UPLOAD_ENCRYPTION_KEY_FILE": write_secret(tmp_path, "upload_key", key)}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0 and "UPLOAD_ENCRYPTION_KEY_FILE" in result.stderr and "32 bytes" in result.stderr


def test_a_hex_upload_encryption_key_is_read_too(tmp_path):
    env = {**PRODUCTION, "UPLOAD_ENCRYPTION_KEY_FILE": write_secret(tmp_path, "upload_key", bytes(range(32)).hex())}
    shown = manage("shell", "-c", "from django.conf import settings; print(settings.UPLOAD_ENCRYPTION_KEY == bytes(range(32)))",
                   env=env, tmp_path=tmp_path)
    assert shown.stdout.strip().splitlines()[-1] == "True", shown.stderr
