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


def authenticator_for(user: User):
    """The user's confirmed authenticator app (a django-otp TOTP device), made if she has none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def authenticator_code(device) -> str:
    """The code the app shows now, or, when that one was used already (a second sign-in within
    30 seconds), the next one, which the server accepts as well (one step of clock tolerance)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    while totp.t() <= device.last_t:
        totp.drift += 1
    return f"{totp.token():0{device.digits}d}"


def enter_second_factor(client: APIClient, user: User) -> None:
    """After the password, doctors and admins enter their authenticator's code; others need not."""
    from mfa.selectors import second_factor_required

    if second_factor_required(user):
        code = authenticator_code(authenticator_for(user))
        response = client.post("/api/v1/mfa/verify/", {"code": code}, format="json")
        assert response.status_code == 200, response.content


def client_for(user: User | None) -> APIClient:
    """A client signed in as `user`; doctors and admins with the second factor already entered."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from mfa.selectors import second_factor_required

    client = APIClient()
    if user is not None:
        client.force_login(user)
        if second_factor_required(user):
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
            session.save()
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
