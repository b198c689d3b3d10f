from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("", views.children, name="children"),
    path("<int:child_id>", views.child_record, name="child"),
]
