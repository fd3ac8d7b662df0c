"""The list view for patient data: its rows come from a selector that audits what it shows."""

from collections.abc import Iterable

from django.db.models import Model, QuerySet
from rest_framework import generics


class AuditedListView(generics.ListAPIView):
    """Subclasses name their `model` and `select(page)`, a selector call built on `audited_list`.

    `page` narrows the selector's visible queryset to this request's filters and page, so that
    the audit log records exactly the rows the user is shown.
    """

    model: type[Model]

    def select(self, page) -> list:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        # Only the schema and the filter forms look at this; the rows themselves come from select().
        return self.model.objects.none()

    def list(self, request, *args, **kwargs):
        rows = self.select(page=self._page)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def _page(self, visible: QuerySet) -> Iterable:
        return self.paginate_queryset(self.filter_queryset(visible))
