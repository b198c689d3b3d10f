from django.urls import path

from consent import public_views, views

app_name = "consent"

child = "sessions/<int:session_id>/children/<int:child_id>/consent"

urlpatterns = [
    path("sessions/<int:session_id>/consent", views.tab, name="tab"),
    path(f"{child}/request", views.request_send, name="request_send"),
    path(f"{child}/record", views.record, name="record_start"),
    path(f"{child}/record/<slug:step>", views.record, name="record_step"),
    path(f"{child}/responses/<int:response_id>/withdraw", views.withdraw, name="withdraw"),
    path(f"{child}/responses/<int:response_id>/invalidate", views.invalidate, name="invalidate"),
    path(f"{child}/triage/<slug:programme_code>", views.triage, name="triage"),
    path(
        f"{child}/details/<int:change_id>/<slug:action>",
        views.details_change,
        name="details_change",
    ),
    # The parents' online form (no login): the token is the only key.
    path("consent/<str:token>", public_views.parent_form, name="parent_form"),
    path("consent/<str:token>/done", public_views.parent_form_done, name="parent_form_done"),
    path("consent/<str:token>/<slug:step>", public_views.parent_form, name="parent_form_step"),
]
