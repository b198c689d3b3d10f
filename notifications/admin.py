import re

from django import forms
from django.contrib import admin, messages

from mavis import audit
from mavis.admin import AuditedAdmin, ReadOnlyAdmin
from notifications import control, services, templates
from notifications.models import ENV_NAME_RE, Message, NotifyService


class EnvNameInput(forms.TextInput):
    """Never echoes back a value that is not a variable's name: that is an API key pasted by mistake."""

    def format_value(self, value):
        return value if value and re.fullmatch(ENV_NAME_RE, str(value)) else ""


class NotifyServiceForm(forms.ModelForm):
    class Meta:
        model = NotifyService
        fields = [
            "name",
            "api_key_env",
            "base_url",
            "rate_per_minute",
            "daily_email_budget",
            "daily_sms_budget",
            "template_overrides",
            "email_reply_to_id",
            "sms_sender_id",
        ]
        widgets = {"api_key_env": EnvNameInput}

    def clean_template_overrides(self):
        overrides = self.cleaned_data["template_overrides"]
        errors = templates.override_errors(overrides)
        if errors:
            raise forms.ValidationError(errors)
        return overrides


def _resume(request, services_to_resume) -> list[str]:
    """Resume each paused service; returns the names of those that were paused."""
    resumed = []
    with audit.acting_as(request.user):
        for service in services_to_resume:
            reason = control.paused_reason(service)
            if reason and control.resume(service):
                audit.record("notify.resumed", None, service=service.name, reason=reason)
                resumed.append(service.name)
    return resumed


@admin.register(NotifyService)
class NotifyServiceAdmin(AuditedAdmin):
    """GOV.UK Notify services. The API key is never stored nor shown: only the name of the
    environment variable that holds it."""

    form = NotifyServiceForm
    list_display = ["name", "api_key_env", "rate_per_minute", "sent_today", "paused"]
    actions = ["resume_sending"]

    @admin.display(description="Sent today (email / text, of budget)")
    def sent_today(self, obj):
        service = control.service_of(obj)
        return " / ".join(
            f"{control.sent_today(service, channel):,} of {service.budget(channel):,}" for channel in ("email", "sms")
        )

    @admin.display(description="Paused")
    def paused(self, obj):
        return control.paused_reason(control.service_of(obj)) or "No"

    @admin.action(description="Resume sending after GOV.UK Notify refused the service's key (403)")
    def resume_sending(self, request, queryset):
        resumed = _resume(request, [control.service_of(row) for row in queryset])
        self.message_user(
            request, f"Sending resumed: {', '.join(resumed)}." if resumed else "None was paused.", messages.INFO
        )


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
        overridden = templates._override(obj.team, key)
        return f"{key} ({'override' if overridden else 'default'}): {obj.template_id}"

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
        """Resumes the services of the selected messages' teams."""
        rows = {m.team.notify_service for m in queryset.select_related("team__notify_service")}
        resumed = _resume(request, [control.service_of(row) for row in rows])
        self.message_user(
            request, f"Sending resumed: {', '.join(resumed)}." if resumed else "Sending was not paused.", messages.INFO
        )
