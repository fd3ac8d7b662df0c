from rest_framework import serializers


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    case_id = serializers.IntegerField()
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()
    summary = serializers.CharField()
