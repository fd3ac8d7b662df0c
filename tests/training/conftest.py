"""Fixtures for the training tests: the real data directory.

Tests that need the data find it through one setting, MEDICAL_DATA_DIR (default: ../shared/data
beside the repository). Without it they skip with the reason; under CI=true they fail instead.
"""
import os
from pathlib import Path

import pytest

from tests.unavailable import skip_or_fail

REPO = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    return Path(os.environ.get("MEDICAL_DATA_DIR", REPO.parent / "shared" / "data"))


def require(path: Path) -> Path:
    if not path.exists():
        skip_or_fail(f"real data not found at {path} (set MEDICAL_DATA_DIR to the data directory)")
    return path


@pytest.fixture(scope="session")
def medmnist_dir() -> Path:
    return require(data_dir() / "medmnist")


@pytest.fixture(scope="session")
def xray_dir() -> Path:
    return require(data_dir() / "chest_xray_kermany")


@pytest.fixture(scope="session")
def dicom_dir() -> Path:
    return require(data_dir() / "dicom")

