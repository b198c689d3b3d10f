"""The team's vaccines and batches, and the Community clinic's venues: lists and forms, for
admins (GET = selector -> render; POST = form -> service -> message -> redirect)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mavis.forms import posted
from mavis.middleware import require_team
from mavis.scoping import get_for_team
from patients import services as patient_services
from patients.models import Batch, Vaccine
from sessions import services
from sessions.forms import BatchForm, VaccineForm, VenueForm
from sessions.models import Venue


def vaccines(request):
    team = require_team(request)
    items = Vaccine.objects.for_team(team).select_related("programme").prefetch_related("batches")
    return render(request, "sessions/setup/vaccines.jinja", {"vaccines": items, "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
def vaccine_add(request):
    team = require_team(request)
    form = VaccineForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            vaccine = patient_services.vaccine_add(team=team, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("brand", error)
        else:
            messages.success(request, f"{vaccine.brand} added")
            return redirect("setup:vaccines")
    return render(request, "sessions/setup/vaccine_add.jinja", {"form": form})


@require_http_methods(["GET", "POST"])
def batch_add(request, vaccine_id):
    team = require_team(request)
    vaccine = get_for_team(Vaccine.objects.all(), team, pk=vaccine_id)
    form = BatchForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            batch = patient_services.batch_add(vaccine=vaccine, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)  # the service names the field
        else:
            messages.success(request, f"Batch {batch.number} of {vaccine.brand} added")
            return redirect("setup:vaccines")
    return render(request, "sessions/setup/batch_add.jinja", {"form": form, "vaccine": vaccine})


@require_POST
def batch_archive(request, batch_id):
    team = require_team(request)
    batch = get_for_team(Batch.objects.select_related("vaccine"), team, pk=batch_id)
    patient_services.batch_archive(batch=batch)
    messages.success(request, f"Batch {batch.number} of {batch.vaccine.brand} archived")
    return redirect("setup:vaccines")


def venues(request):
    team = require_team(request)
    return render(request, "sessions/setup/venues.jinja", {"venues": Venue.objects.for_team(team)})


@require_http_methods(["GET", "POST"])
def venue_add(request):
    team = require_team(request)
    form = VenueForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.venue_add(team=team, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, f"{venue.name} added")
            return redirect("setup:venues")
    return render(request, "sessions/setup/venue_add.jinja", {"form": form})


@require_POST
def venue_archive(request, venue_id):
    team = require_team(request)
    venue = get_for_team(Venue.objects.all(), team, pk=venue_id)
    services.venue_archive(venue=venue)
    messages.success(request, f"{venue.name} archived")
    return redirect("setup:venues")
