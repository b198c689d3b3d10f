from django.urls import path

from sessions import record_flow, views

app_name = "sessions"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("<int:session_id>", views.overview, name="session"),
    path("<int:session_id>/children", views.children, name="children"),
    path("<int:session_id>/register", views.register, name="register"),
    path("<int:session_id>/record", views.record, name="record"),
    path("<int:session_id>/edit", views.edit, name="edit"),
    path("<int:session_id>/edit/programmes", views.edit_programmes, name="edit_programmes"),
    path("<int:session_id>/edit/dates", views.edit_dates, name="edit_dates"),
    path("<int:session_id>/edit/dates/<int:date_id>/times", views.edit_date_times, name="edit_date_times"),
    path("<int:session_id>/edit/<slug:which>", views.edit_message_date, name="edit_message_date"),
    path("<int:session_id>/children/<int:child_id>", views.child, name="child"),
    path("<int:session_id>/children/<int:child_id>/activity", views.child_activity, name="child_activity"),
    path(
        "<int:session_id>/children/<int:child_id>/vaccinate/<slug:programme_code>",
        record_flow.start,
        name="vaccinate",
    ),
    path(
        "<int:session_id>/children/<int:child_id>/vaccinate/<slug:programme_code>/<slug:step>",
        record_flow.step,
        name="vaccinate_step",
    ),
]
