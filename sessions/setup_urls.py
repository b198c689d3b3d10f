"""The team's vaccines, batches and Community clinic venues (kept by admins)."""

from django.urls import path

from sessions import setup_views

app_name = "setup"

urlpatterns = [
    path("vaccines", setup_views.vaccines, name="vaccines"),
    path("vaccines/add", setup_views.vaccine_add, name="vaccine_add"),
    path("vaccines/<int:vaccine_id>/batches/add", setup_views.batch_add, name="batch_add"),
    path("vaccines/batches/<int:batch_id>/archive", setup_views.batch_archive, name="batch_archive"),
    path("venues", setup_views.venues, name="venues"),
    path("venues/add", setup_views.venue_add, name="venue_add"),
    path("venues/<int:venue_id>/archive", setup_views.venue_archive, name="venue_archive"),
]
