"""Refuses NUL characters in request input: PostgreSQL cannot store them (text or jsonb) and
answers DataError, which was a 500.

Two doors let them in: the query string (and the path), checked by `NulFreeRequestMiddleware`
for every request, and JSON bodies, checked key by key and string by string by `NulFreeJSONParser`.
Form fields need nothing here: every DRF and Django form CharField already refuses NULs.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from config.error_shape import error_body

NUL = "\x00"
MESSAGE = "The request contains a NUL character, which no field accepts."


def contains_nul(value) -> bool:
    """Whether a parsed JSON value holds a NUL in any string or object key, however deep."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


class NulFreeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if contains_nul(data):
            raise ParseError(MESSAGE, code="nul_character")
        return data


class NulFreeRequestMiddleware:
    """400 in the one error shape for a NUL in the path or in any query parameter's name or value."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.lists()
        if NUL in request.path or any(NUL in key or any(NUL in v for v in values) for key, values in query):
            body = error_body(code="nul_character", message=MESSAGE)
            return JsonResponse(body, status=status.HTTP_400_BAD_REQUEST)
        return self.get_response(request)
