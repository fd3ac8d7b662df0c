"""The one shape of every refusal, for DRF views and plain middleware alike.

Kept free of imports: DRF's parsers and the middleware use it while config.errors is still loading.
"""


def error_body(*, code: str, message: str, details: dict | None = None) -> dict:
    """{"error": {"code", "message", "details"}}."""
    return {"error": {"code": code, "message": message, "details": details or {}}}
