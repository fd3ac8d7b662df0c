from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class DicomHintsSerializer(serializers.Serializer):
    """The DICOM header values a package reads: Modality codes and BodyPartExamined codes."""

    modalities = serializers.ListField(child=serializers.CharField())
    body_parts = serializers.ListField(child=serializers.CharField())


class ModelPackageSerializer(serializers.Serializer):
    """One installed model package: what the browser needs to load it and a person to judge it."""

    name = serializers.CharField()
    version = serializers.CharField()
    active = serializers.SerializerMethodField()
    task = serializers.CharField(source="metadata.task", default="")
    description = serializers.CharField(source="metadata.description", default="")
    # What the model reads (training/exam_types.py); null for a package that names no exam type.
    exam_type = serializers.CharField(allow_null=True)
    exam_type_label = serializers.CharField(allow_null=True)
    # The DICOM codes the model reads (input_check.dicom), so a browser can propose an exam type
    # from a file's header; null when the package states none.
    dicom = serializers.SerializerMethodField()
    label_names = serializers.ListField(child=serializers.CharField())
    positive_class = serializers.IntegerField(allow_null=True)
    decision = serializers.DictField(source="metadata.decision", default=dict)
    # As the package states them (docs/model-package.md); null for packages made before them.
    operating_point = serializers.DictField(source="metadata.operating_point", default=None, allow_null=True)
    heatmap = serializers.DictField(source="metadata.heatmap", default=None, allow_null=True)
    input_check = serializers.DictField(source="metadata.input_check", default=None, allow_null=True)
    input = serializers.DictField(source="metadata.input")
    outputs = serializers.DictField(source="metadata.outputs", default=dict)
    headline_metrics = serializers.DictField(source="metadata.headline_metrics", default=dict)
    metrics = serializers.DictField()
    libraries = serializers.DictField(source="metadata.libraries", default=dict)
    created = serializers.CharField(source="metadata.created", default="")
    # The largest browser/server probability difference the server still counts as the same
    # reading (INFERENCE_VERIFY_TOLERANCE): the browser shows mismatches by the same rule.
    verify_tolerance = serializers.SerializerMethodField()
    base_url = serializers.SerializerMethodField()
    metadata_url = serializers.SerializerMethodField()
    tfjs_model_url = serializers.SerializerMethodField()

    def get_active(self, package) -> bool:
        """Whether new server readings of this model use this version (context "active": name -> version)."""
        return self.context.get("active", {}).get(package.name) == package.version

    @extend_schema_field(DicomHintsSerializer(allow_null=True))
    def get_dicom(self, package) -> dict | None:
        hints = package.dicom_hints
        if not hints:
            return None
        return {"modalities": hints.get("modalities") or [], "body_parts": hints.get("body_parts") or []}

    def get_verify_tolerance(self, package) -> float:
        return settings.INFERENCE_VERIFY_TOLERANCE

    def _file_url(self, package, filename: str) -> str:
        return reverse("model-file", kwargs={"name": package.name, "version": package.version, "filename": filename})

    def get_base_url(self, package) -> str:
        return self._file_url(package, "model_metadata.json").removesuffix("model_metadata.json")

    def get_metadata_url(self, package) -> str:
        return self._file_url(package, "model_metadata.json")

    def get_tfjs_model_url(self, package) -> str:
        return self._file_url(package, package.metadata.get("tfjs", {}).get("model_json", "tfjs/model.json"))


class ModelActivateSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=50)
    reason = serializers.CharField(max_length=500, help_text="Why this version is activated; kept in the audit log.")

