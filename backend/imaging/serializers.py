from rest_framework import serializers

from imaging.models import Image


class ImageSerializer(serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Image
        fields = [
            "id",
            "case",
            "kind",
            "content_type",
            "original_filename",
            "size_bytes",
            "sha256",
            "width",
            "height",
            "frames",
            "modality",
            "body_part",
            "study_date",
            "created_at",
        ]
        read_only_fields = fields


class ImageUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
