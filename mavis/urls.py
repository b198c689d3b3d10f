from django.contrib import admin
from django.urls import include, path

from mavis import views

platform = [
    path("", views.home, name="home"),
    path("sign-in", views.sign_in, name="sign_in"),
    path("sign-out", views.sign_out, name="sign_out"),
    path("keep-alive", views.keep_alive, name="keep_alive"),
    path("team", views.choose_team, name="choose_team"),
]

urlpatterns = [
    path("", include((platform, "mavis"))),
    path("healthcheck", views.healthcheck, name="healthcheck"),
    path("readiness", views.readiness, name="readiness"),
    path("admin/", admin.site.urls),
    path("children/", include("patients.urls")),
    path("notifications/", include("notifications.urls")),
    path("sessions/", include("sessions.urls")),
    path("", include("consent.urls")),
    path("clinics/", include("clinics.urls")),
    path("", include("sessions.setup_urls")),
]

handler403 = "mavis.views.error_403"
handler404 = "mavis.views.error_404"
handler500 = "mavis.views.error_500"
