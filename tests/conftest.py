"""Fixtures for the whole suite."""
import os

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """Each test run gets its own test database (test_<name>_<pid>), so that runs sharing one
    PostgreSQL server, on a developer's machine or a CI host, never drop each other's database."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=str(os.getpid()))
