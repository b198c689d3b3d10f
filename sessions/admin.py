"""Sessions in the Django admin: read-only. Dates, programmes and message dates change through
sessions.services (the app's pages), which hold the locked-date, academic-year and
invitation-date rules; notes and activity are never edited."""

from django.contrib import admin

from mavis.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyMixin
from sessions.models import ActivityEvent, Session, SessionDate, Venue


class SessionDateInline(ReadOnlyMixin, admin.TabularInline):
    model = SessionDate
    extra = 0


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "team", "kind", "academic_year", "invitation_date"]
    list_filter = ["kind", "academic_year", "team"]
    search_fields = ["school__name", "team__name"]
    inlines = [SessionDateInline]
    raw_id_fields = ["school"]


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "child", "session", "actor", "delivery_status"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["child", "session", "user"]


@admin.register(Venue)
class VenueAdmin(AuditedAdmin):
    """The Community clinic's venues; archived (archived at), never deleted."""

    list_display = ["name", "address", "team", "archived_at"]
    list_filter = ["team"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None):
        return False
