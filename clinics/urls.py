from django.urls import path

from clinics import public_views, views

app_name = "clinics"

urlpatterns = [
    # The parents' booking pages (no login): the token is the only key.
    path("book/<str:token>", public_views.booking, name="parent_booking"),
    path("book/<str:token>/booked", public_views.booking_done, name="parent_booking_done"),
    path("book/<str:token>/cancel", public_views.cancel, name="parent_booking_cancel"),
    path("book/<str:token>/<str:date>", public_views.choose_time, name="parent_booking_time"),
    path("sessions/<int:session_id>/send-invitations", views.send_invitations, name="send_invitations"),
    path("sessions/<int:session_id>/send-reminders", views.send_reminders, name="send_reminders"),
    path("sessions/<int:session_id>/invitations/<str:key>", views.invitation_children, name="invitation_children"),
    path("sessions/<int:session_id>/send-reminders/booked", views.reminders_skipped, name="reminders_skipped"),
    path("sessions/<int:session_id>/send/<str:which>", views.summary_children, name="summary_children"),
    path("sessions/<int:session_id>/import-bookings", views.import_bookings, name="import_bookings"),
    path("children/<int:child_id>/invite", views.invite_child, name="invite_child"),
    path("children/<int:child_id>/booking", views.booking, name="booking"),
    path("children/<int:child_id>/invite/cancel", views.cancel_invitation, name="cancel_invitation"),
]
