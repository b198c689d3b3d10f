"""The register in the Django admin: for admins, audited; history is read-only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from mavis import audit
from mavis.admin import AuditedAdmin, ModelAdmin, ReadOnlyMixin
from patients import services as patient_services
from patients.models import (
    Batch,
    Child,
    CohortImport,
    Parent,
    ParentRelationship,
    Programme,
    School,
    VaccinationRecord,
    Vaccine,
)
from patients.nhs_number import normalise_nhs_number, validate_nhs_number


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin):
    list_display = ["name", "code", "year_groups", "seasonal"]
    search_fields = ["name", "code"]
    list_filter = ["seasonal"]
    readonly_fields = ["code"]

    def has_add_permission(self, request):
        return False  # the programmes come from a data migration

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(School)
class SchoolAdmin(AuditedAdmin):
    list_display = ["name", "urn", "team"]
    search_fields = ["name", "urn"]
    list_filter = ["team"]
    list_select_related = ["team"]


class RelationshipInline(admin.TabularInline):
    model = ParentRelationship
    extra = 0
    autocomplete_fields = ["parent"]


class ChildAdminForm(forms.ModelForm):
    # Wider than the stored 10 digits: "943 476 5919" is normalised like everywhere else.
    nhs_number = forms.CharField(label="NHS number", required=False, max_length=20)

    class Meta:
        model = Child
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields it shows

    def clean(self):
        """The app's school rule (patients.services.check_school), as a form error: raised by the
        service in save_model it was a 500."""
        data = super().clean()
        team = data.get("team") or (self.instance.team if self.instance.team_id else None)
        if team is not None and "school_status" in data:
            try:
                patient_services.check_school(
                    team, {"school_status": data["school_status"], "school": data.get("school")}
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def clean_nhs_number(self):
        value = normalise_nhs_number(self.cleaned_data.get("nhs_number") or "") or None
        if value:
            validate_nhs_number(value)
        return value


@admin.register(Child)
class ChildAdmin(AuditedAdmin):
    form = ChildAdminForm
    list_display = ["family_name", "given_name", "nhs_number", "date_of_birth", "school_status", "school", "team"]
    search_fields = ["family_name", "given_name", "nhs_number"]
    list_filter = ["team", "school_status", "deceased", "restricted", "invalidated", "archive_reason", "gender"]
    list_select_related = ["school", "team"]
    autocomplete_fields = ["school"]
    # Archiving has its own page and service (reason required, the apps above re-check the child).
    readonly_fields = ["archived_at", "archive_reason", "archive_details", "created_at", "updated_at"]
    inlines = [RelationshipInline]
    date_hierarchy = "date_of_birth"

    def save_model(self, request, obj, form, change):
        """Through the same services as the app (NHS number, school rules, hooks), then audited."""
        names = form.changed_data if change else form.cleaned_data
        fields = {name: form.cleaned_data[name] for name in names if name in patient_services.CHILD_FIELDS}
        with audit.acting_as(request.user):
            if change:
                saved = patient_services.child_update(child=Child.objects.get(pk=obj.pk), **fields)
            else:
                saved = patient_services.child_create(team=obj.team, **fields)
            audit.record(
                f"admin.{'changed' if change else 'added'}", saved, team=saved.team, fields=sorted(form.changed_data)
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        child = form.instance
        with audit.acting_as(request.user):
            for link in formset.new_objects:
                audit.record("admin.added", link, team=child.team)
            for link, fields in formset.changed_objects:
                audit.record("admin.changed", link, team=child.team, fields=sorted(fields))
            for link in formset.deleted_objects:
                audit.record("admin.deleted", child, team=child.team, relationship_parent_id=link.parent_id)


@admin.register(Parent)
class ParentAdmin(AuditedAdmin):
    list_display = ["full_name", "email", "phone", "phone_receive_updates", "contact_method", "team"]
    search_fields = ["full_name", "email", "phone"]
    list_filter = ["team", "contact_method", "phone_receive_updates"]
    list_select_related = ["team"]
    readonly_fields = ["created_at"]

    def has_add_permission(self, request):
        return False  # a parent is added to a child (the child record, a cohort import)

    def save_model(self, request, obj, form, change):
        """Through parent_update (phone and email normalised as in the app), then audited."""
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in patient_services.PARENT_FIELDS}
        with audit.acting_as(request.user):
            saved = patient_services.parent_update(parent=Parent.objects.get(pk=obj.pk), **fields)
            audit.record("admin.changed", saved, team=saved.team, fields=sorted(form.changed_data))


@admin.register(ParentRelationship)
class ParentRelationshipAdmin(AuditedAdmin):
    list_display = ["child", "parent", "type", "other_name", "parental_responsibility"]
    search_fields = ["child__family_name", "child__given_name", "parent__full_name", "parent__email"]
    list_filter = ["type", "parental_responsibility"]
    list_select_related = ["child", "parent"]
    autocomplete_fields = ["child", "parent"]


@admin.register(VaccinationRecord)
class VaccinationRecordAdmin(ReadOnlyMixin, ModelAdmin):
    list_display = ["child", "programme", "outcome", "performed_at", "location_name", "performed_by", "team"]
    search_fields = ["child__family_name", "child__given_name", "child__nhs_number", "batch"]
    list_filter = ["team", "programme", "outcome", "method"]
    list_select_related = ["child", "programme", "performed_by", "team"]
    date_hierarchy = "performed_at"


@admin.register(CohortImport)
class CohortImportAdmin(ReadOnlyMixin, ModelAdmin):
    list_display = ["file_name", "team", "uploaded_by", "status", "total_rows", "children_created", "created_at"]
    search_fields = ["file_name"]
    list_filter = ["team", "status"]
    list_select_related = ["team", "uploaded_by"]
    exclude = ["content"]


class BatchInline(ReadOnlyMixin, admin.TabularInline):
    """Batches are added and archived on the team's Vaccines page (patients.services: expiry,
    capitals, duplicates), never deleted: records given from them keep them."""

    model = Batch
    extra = 0
    fields = ["number", "expiry", "archived_at"]


@admin.register(Vaccine)
class VaccineAdmin(ReadOnlyMixin, AuditedAdmin):
    """Read-only: a vaccine's programme and method decide what its doses may be, so they change
    only through the Vaccines page's services, never under doses already given."""

    list_display = ["brand", "programme", "method", "team"]
    list_filter = ["programme", "method", "team"]
    search_fields = ["brand"]
    inlines = [BatchInline]
