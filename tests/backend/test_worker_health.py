"""What the health check says of the broker and the workers, and how workers count their GPUs."""

import pytest

from inference import worker_health

pytestmark = pytest.mark.django_db


def test_health_is_down_when_the_broker_is(unreachable_broker, anon_client, settings):
    settings.HEALTH_WORKER_TIMEOUT = 0.2
    response = anon_client.get("/api/v1/health/")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["broker"] == {"status": "down"}
    assert checks["workers"]["count"] == 0


@pytest.mark.parametrize("visible, expected", [(None, 2), ("", 0), ("-1", 0), ("1", 1), ("0,1,2", 2)])
def test_gpus_are_counted_without_starting_cuda(monkeypatch, tmp_path, visible, expected):
    real_glob = worker_health.Path.glob

    def fake_glob(self, pattern):
        if str(self) == "/dev":
            return iter([tmp_path / "nvidia0", tmp_path / "nvidia1", tmp_path / "nvidiactl"])
        return real_glob(self, pattern)

    monkeypatch.setattr(worker_health.Path, "glob", fake_glob)
    if visible is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    assert worker_health.gpus_visible() == expected
