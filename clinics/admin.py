from django.contrib import admin

from clinics.models import ClinicInvitation, ClinicInvitationRequest, ClinicSweepRun
from mavis.admin import ReadOnlyAdmin


@admin.register(ClinicInvitation)
class ClinicInvitationAdmin(ReadOnlyAdmin):
    list_display = ["child", "session", "clinic_date", "kind", "source", "programmes", "sent_at", "created_by"]
    list_filter = ["kind", "source", "team", "clinic_date", "sent_on"]
    search_fields = ["child__given_name", "child__family_name", "child__nhs_number"]
    list_select_related = ["child", "session__school", "created_by"]
    raw_id_fields = ["child", "session", "school_session", "created_by"]
    date_hierarchy = "created_at"


@admin.register(ClinicInvitationRequest)
class ClinicInvitationRequestAdmin(ReadOnlyAdmin):
    list_display = ["child", "session", "scheduled_for", "requested_by", "processed_at", "outcome"]
    list_filter = ["outcome", "team", "scheduled_for"]
    list_select_related = ["child", "session__school", "requested_by"]
    raw_id_fields = ["child", "session", "requested_by"]


@admin.register(ClinicSweepRun)
class ClinicSweepRunAdmin(ReadOnlyAdmin):
    list_display = ["team", "run_on", "started_at", "invited"]
    list_filter = ["team", "run_on"]
