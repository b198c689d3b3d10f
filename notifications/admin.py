from django.contrib import admin, messages

from mavis import audit
from mavis.admin import ReadOnlyAdmin
from notifications import control, services
from notifications.models import Message


class StatusFilter(admin.SimpleListFilter):
    """Each status once: the pages' labels join pending, created and sending as "Sending",
    which is all a nurse needs, but someone looking into delivery needs them apart."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(value, f"{label} ({value})") for value, label in Message.Status.choices]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """The outbox, read-only. Messages change only through the pipeline and these actions."""

    list_display = [
        "created_at",
        "kind",
        "channel",
        "recipient",
        "status",
        "status_reason",
        "attempts",
        "template",
        "team",
    ]
    list_filter = [StatusFilter, "kind", "channel", "team"]
    search_fields = ["recipient", "=id", "=notify_id"]
    date_hierarchy = "created_at"
    list_select_related = ["team"]
    show_full_result_count = False
    actions = ["retry_messages", "resume_sending"]

    @admin.display(description="Notify template")
    def template(self, obj):
        key = f"{obj.kind}.{obj.channel}"
        overridden = (obj.team.notify_template_overrides or {}).get(key)
        return f"{key} ({'team override' if overridden else 'default'}): {obj.template_id}"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_retry_permission(self, request):
        """The actions write, so they need the model's change permission (superusers have it)."""
        return request.user.has_perm("notifications.change_message")

    @admin.action(description="Send again (rejected, temporary or technical failures)", permissions=["retry"])
    def retry_messages(self, request, queryset):
        with audit.acting_as(request.user):
            result = services.messages_retry(messages=queryset.select_related("team"), by=request.user)
        self.message_user(
            request,
            f"{result['requeued']} queued again, {result['resent']} sent as new messages, "
            f"{result['skipped']} left as they are (not failed, or a permanent failure).",
            messages.SUCCESS,
        )

    @admin.action(description="Resume sending after GOV.UK Notify refused our key (403)", permissions=["retry"])
    def resume_sending(self, request, queryset):
        with audit.acting_as(request.user):
            was_paused = control.resume()
            audit.record("notify.resumed", None, was_paused=was_paused)
        self.message_user(request, "Sending resumed." if was_paused else "Sending was not paused.", messages.INFO)
