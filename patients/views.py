from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mavis import downloads
from mavis.forms import valid_filters
from mavis.middleware import require_team
from patients import selectors, services
from patients.cohort import HEADERS
from patients.extensions import child_record_actions, child_record_sections, parent_card_warnings
from patients.forms import ChildSearchForm, CohortUploadForm
from patients.presenters import ChildPresenter, CohortImportPresenter
from patients.statuses import child_statuses

PAGE_SIZE = 50


def children(request):
    team = require_team(request)
    schools = list(selectors.schools_for_team(team))
    form = ChildSearchForm(request.GET or None, schools=schools)
    filters = valid_filters(form)
    queryset = selectors.children_for_team(
        team,
        search=filters.get("q", ""),
        school_id=filters.get("school"),
        school_status=filters.get("school_status", ""),
        year_group=filters.get("year_group"),
        include_archived=filters.get("archived", False),
    )
    if downloads.wants_csv(request):
        rows = (
            [c.full_name, c.nhs_number_display, c.date_of_birth.isoformat(), c.year_group_display, c.school_display]
            for c in (ChildPresenter(child) for child in queryset.iterator(chunk_size=500))
        )
        header = ["Name", "NHS number", "Date of birth", "Year group", "School"]
        return downloads.csv_response("children.csv", header, rows)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "patients/children.jinja",
        {
            "csv_query": downloads.csv_query(request),
            "form": form,
            "page": page,
            "children": [ChildPresenter(child) for child in page.object_list],
            "query_string": query.urlencode(),
        },
    )


def child_record(request, child_id):
    team = require_team(request)
    child = selectors.child_for_team(team, child_id)
    presenter = ChildPresenter(child)
    programmes = selectors.programmes()
    statuses = child_statuses(child, programmes, presenter.academic_year)
    context = {
        "child": presenter,
        "programme_statuses": presenter.programme_statuses(programmes, statuses),
        "sections": child_record_sections.render(request, child=child),
        "actions": child_record_actions.render(request, child=child),
        "parent_warnings": {},  # parent id -> warning, from every contributor
    }
    for part in parent_card_warnings.collect(request, child=child):
        context["parent_warnings"].update(part)
    return render(request, "patients/child_record.jinja", context)


def cohort_upload(request):
    team = require_team(request)
    form = CohortUploadForm(request.POST, request.FILES) if request.method == "POST" else CohortUploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        cohort_import = services.cohort_import_create(
            team=team, uploaded_by=request.user, file_name=upload.name, content=form.cleaned_data["content"]
        )
        if not getattr(cohort_import, "queued", True):
            messages.warning(
                request,
                "The file is saved but the import cannot start now because part of the service is down. "
                "It will start by itself when the service recovers: you do not need to upload it again.",
            )
        return redirect("patients:cohort_import", import_id=cohort_import.pk)
    imports = [CohortImportPresenter(item) for item in selectors.recent_cohort_imports(team)]
    return render(request, "patients/cohort_upload.jinja", {"form": form, "imports": imports, "headers": HEADERS})


def cohort_import(request, import_id):
    team = require_team(request)
    item = selectors.cohort_import_for_team(team, import_id)
    return render(request, "patients/cohort_import.jinja", {"item": CohortImportPresenter(item)})


@require_POST
def cohort_import_valid_rows(request, import_id):
    team = require_team(request)
    item = selectors.cohort_import_for_team(team, import_id)
    try:
        services.cohort_import_valid_rows_only(cohort_import=item)
    except ValidationError as error:
        messages.info(request, error.messages[0])
    return redirect("patients:cohort_import", import_id=item.pk)
