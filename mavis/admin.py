from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpResponseRedirect

from mavis import audit
from mavis.models import AuditEvent, Team, User


class ModelAdmin(admin.ModelAdmin):
    """The project's model admin. A list filter Django cannot turn into dates or numbers
    (?created_at__year=99999 on a date-and-time field, a ValueError when the list is counted)
    shows the admin's own "invalid lookup" notice (?e=1), as other bad filters do, not a 500."""

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (ValueError, OverflowError):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")


class AuditedAdmin(ModelAdmin):
    """Every admin write lands in the audit trail."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        with audit.acting_as(request.user):
            audit.record(
                f"admin.{'changed' if change else 'added'}",
                obj,
                team=getattr(obj, "team", None) if hasattr(obj, "team_id") else None,
                fields=sorted(form.changed_data),
            )

    def delete_model(self, request, obj):
        with audit.acting_as(request.user):
            audit.record("admin.deleted", obj, team=getattr(obj, "team", None) if hasattr(obj, "team_id") else None)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyMixin:
    """Records written only by the service layer: admins look, they never add, edit or delete.
    For model admins and inlines alike (an inline's has_add_permission also takes obj)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, AuditedAdmin):
    pass


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "ods_code", "email", "automatic_clinic_invitations", "books_in_service", "send_time"]
    search_fields = ["name", "ods_code"]
    list_filter = ["automatic_clinic_invitations", "books_in_service"]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "teams"]
    fieldsets = DjangoUserAdmin.fieldsets + (("Mavis", {"fields": ("role", "teams")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (("Mavis", {"fields": ("role", "teams")}),)
    filter_horizontal = ["teams", "groups", "user_permissions"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "team"]
    list_filter = ["action", "team"]
    search_fields = ["actor", "action", "object_id"]
    date_hierarchy = "created_at"
