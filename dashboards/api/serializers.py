"""What the paginated lists show: reports (with their values) and chiefs (the ministry's registry)."""

from __future__ import annotations

from rest_framework import serializers

from evillage.models import Chief, Report


class ReportSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village.code")
    village_name = serializers.CharField(source="village.name")
    prefecture = serializers.CharField(source="village.prefecture.code")
    chief = serializers.CharField(source="chief.full_name", default=None)
    values = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "village", "village_name", "prefecture", "chief", "period", "population", "received_at"]
        fields += ["source", "values"]

    def get_values(self, report: Report) -> dict[str, int]:
        """The values this report gave, by indicator key (a later report may have superseded some)."""
        return {value.indicator.key: value.value for value in report.values.all()}


class ChiefSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village.code")
    village_name = serializers.CharField(source="village.name")
    prefecture = serializers.CharField(source="village.prefecture.code")

    class Meta:
        model = Chief
        fields = ["id", "full_name", "phone", "role", "status", "village", "village_name", "prefecture"]
        fields += ["created_at", "updated_at"]
