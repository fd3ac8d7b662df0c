"""The list view for patient data: its rows come from a selector that audits what it shows."""

from collections.abc import Iterable

from django.db.models import Model, QuerySet
from rest_framework import generics
from rest_framework.response import Response

from audit.access import Page


class AuditedListView(generics.ListAPIView):
    """Subclasses name their `model` and `select(page)`, a selector call built on `audited_list`.

    `page` narrows the selector's visible queryset to this request's filters and page, so that
    the audit log records exactly the rows the user is shown.
    """

    model: type[Model]

    def select(self, page: Page) -> list:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        # Only the schema and the filter forms look at this; the rows themselves come from select().
        return self.model.objects.none()

    def list(self, request, *args, **kwargs):
        rows = self.select(page=self._page)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if self.paginator else Response(data)

    def _page(self, visible: QuerySet) -> Iterable:
        filtered = self.filter_queryset(visible)
        return filtered if self.paginator is None else self.paginate_queryset(filtered)
