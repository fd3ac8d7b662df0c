"""Builders for the backend tests: people, clients and small synthetic images."""

import io
from pathlib import Path

from PIL import Image as PILImage
from rest_framework.test import APIClient

from accounts.models import Role, User

PASSWORD = "correct-Horse-battery-9"


def make_user(username: str, role: str) -> User:
    return User.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        role=role,
        first_name=username.capitalize(),
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def png_bytes(size: tuple[int, int] = (64, 48), *, color: int = 128, mode: str = "L", **save_options) -> bytes:
    image = PILImage.new(mode, size, color)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **save_options)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48), *, color=(120, 130, 140), exif: bytes | None = None) -> bytes:
    image = PILImage.new("RGB", size, color)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload_file(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def make_case(*, patient: User, title: str = "Persistent cough", images: int = 0, submit: bool = False):
    """A case opened by the patient, with `images` distinct small PNGs, optionally submitted."""
    from cases.services import case_create, case_submit
    from imaging.services import image_upload

    case = case_create(created_by=patient, patient=patient, title=title)
    for index in range(images):
        image_upload(case=case, uploaded_by=patient, file=upload_file(f"scan-{index}.png", png_bytes(color=40 + index)))
    if submit:
        case = case_submit(case=case, submitted_by=patient)
    return case


def browser_reading_body(package, image, *, winner: float = 0.96) -> dict:
    """What the portal sends for a reading of `image` by the installed `package`: its labels, its
    threshold and its decision rule, with the positive (or first) label most probable."""
    names = package.label_names
    binary = package.positive_class is not None and package.threshold is not None
    top = package.positive_class if binary else 0
    probabilities = {name: winner if i == top else (1 - winner) / (len(names) - 1) for i, name in enumerate(names)}
    return {
        "image": image.pk,
        "model_name": package.name,
        "model_version": package.version,
        "probabilities": probabilities,
        "label": names[top],
        "score": winner if binary else None,
        "threshold": package.threshold if binary else None,
    }


def record_reading(*, case, image, user: User | None, score: float = 0.91, threshold: float = 0.5):
    from readings.services import reading_record

    return reading_record(
        case=case,
        image=image,
        recorded_by=user,
        model_name="pneumonia-cnn",
        model_version="1.0.0",
        runs_on="browser",
        backend="wasm",
        probabilities={"normal": 1 - score, "pneumonia": score},
        label="pneumonia" if score >= threshold else "normal",
        score=score,
        threshold=threshold,
        heatmap=[[0.0, 0.5], [0.25, 1.0]],
        latency_ms=1.7,
    )
