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
