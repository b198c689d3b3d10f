"""Consent in the Django admin: read-only. Responses are recorded, withdrawn and invalidated, and
triage decided, through consent.services (the staff pages), which keep the statuses true."""

from django.contrib import admin

from consent.models import ConsentRequest, ConsentResponse, Triage
from mavis.admin import ReadOnlyAdmin


@admin.register(ConsentResponse)
class ConsentResponseAdmin(ReadOnlyAdmin):
    list_display = ["child", "programme", "academic_year", "response", "respondent_name", "route", "created_at"]
    list_filter = ["response", "route", "programme", "academic_year"]
    raw_id_fields = ["child", "parent", "session", "recorded_by", "withdrawn_by", "invalidated_by"]
    search_fields = ["child__family_name", "respondent_name"]


@admin.register(ConsentRequest)
class ConsentRequestAdmin(ReadOnlyAdmin):
    list_display = ["child", "session", "sent_at", "sent_by"]
    raw_id_fields = ["child", "session", "sent_by"]


@admin.register(Triage)
class TriageAdmin(ReadOnlyAdmin):
    list_display = ["child", "programme", "academic_year", "status", "performed_by", "created_at"]
    raw_id_fields = ["child", "session", "performed_by"]
