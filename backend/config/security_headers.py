"""Content-Security-Policy and X-Frame-Options on every response, whoever serves it.

Django's own responses get a policy from `ContentSecurityPolicyMiddleware` (X-Frame-Options from
Django's XFrameOptionsMiddleware). The static files, the app pages under /static/web/ among them,
are answered by WhiteNoise before any middleware runs, so WhiteNoise adds both headers through
`static_file_headers` (WHITENOISE_ADD_HEADERS_FUNCTION).

The app pages also carry APP_PAGES_POLICY in a <meta> tag (tests/backend/test_security_headers.py
keeps the two equal), so that it holds however the files are served; a <meta> policy cannot forbid
framing, which is why the header adds frame-ancestors.
"""

from django.http import HttpRequest, HttpResponse

APP_PAGES_POLICY = "; ".join(
    [
        "default-src 'self'",
        # Modules from this server only, no inline script. TF.js's WASM backend compiles its .wasm
        # file, which needs 'wasm-unsafe-eval' (WebAssembly compilation only, not eval()).
        "script-src 'self' 'wasm-unsafe-eval'",
        # app.css and the page's own stylesheet; element.style set from a module is not restricted.
        "style-src 'self'",
        # The API, the model files and the .wasm binaries all come from this server.
        "connect-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)
# Never shown inside another site's frame: a framed, signed-in doctor page could be clicked on.
POLICY = f"{APP_PAGES_POLICY}; frame-ancestors 'none'"
# The HTML Django renders itself (Swagger UI, the Django admin, DRF's browsable API, error pages)
# has inline <style> blocks and style attributes, and Swagger UI draws its icons from data: URLs.
# Still no inline script: Swagger UI's start-up script is a file (SpectacularSwaggerSplitView).
DJANGO_HTML_POLICY = POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
    "img-src 'self'", "img-src 'self' data:"
)


class ContentSecurityPolicyMiddleware:
    """Sets the policy on every Django response that has not set one of its own."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_html = response.get("Content-Type", "").startswith("text/html")
        response.headers.setdefault("Content-Security-Policy", DJANGO_HTML_POLICY if is_html else POLICY)
        return response


def static_file_headers(headers, path: str, url: str) -> None:
    """WhiteNoise's hook, called for every static file it serves."""
    headers["Content-Security-Policy"] = POLICY
    headers["X-Frame-Options"] = "DENY"
