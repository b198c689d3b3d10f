from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("", views.children, name="children"),
    path("<int:child_id>", views.child_record, name="child"),
    path("import", views.cohort_upload, name="cohort_upload"),
    path("import/<int:import_id>", views.cohort_import, name="cohort_import"),
    path("import/<int:import_id>/valid-rows", views.cohort_import_valid_rows, name="cohort_import_valid_rows"),
]
