from django.core.paginator import Paginator
from django.shortcuts import render

from mavis.middleware import require_team
from patients import selectors
from patients.extensions import child_record_actions, child_record_sections, parent_card_extras
from patients.forms import ChildSearchForm
from patients.presenters import ChildPresenter

PAGE_SIZE = 50


def children(request):
    team = require_team(request)
    form = ChildSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.children_for_team(
        team,
        search=filters.get("q", ""),
        school_status=filters.get("school_status", ""),
        date_of_birth=filters.get("date_of_birth"),
        include_archived=filters.get("archived", False),
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "patients/children.jinja",
        {
            "form": form,
            "page": page,
            "children": [ChildPresenter(child) for child in page.object_list],
            "query_string": query.urlencode(),
        },
    )


def child_record(request, child_id):
    team = require_team(request)
    child = selectors.child_for_team(team, child_id)
    context = {"child": ChildPresenter(child)}
    context["sections"] = child_record_sections.render(request, child=child)
    context["actions"] = child_record_actions.render(request, child=child)
    context["parent_card_extras"] = lambda parent: parent_card_extras.render(request, parent=parent)
    return render(request, "patients/child_record.jinja", context)
