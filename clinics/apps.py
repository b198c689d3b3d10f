from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "clinics"

    def ready(self):
        from clinics import contributions, demo  # noqa: F401 - demo registers its seed step
        from patients.extensions import child_record_actions
        from sessions.extensions import (
            child_in_session_actions,
            child_in_session_outcome_actions,
            session_actions,
            session_overview_panels,
        )

        session_actions.register(contributions.session_actions, order=50)
        session_actions.register(contributions.import_bookings_action, order=55)
        session_overview_panels.register(contributions.overview_totals, order=50)
        session_overview_panels.register(contributions.overview_funnel, order=51)
        child_record_actions.register(contributions.invite_child_action, order=50)
        child_in_session_actions.register(contributions.invite_child_action, order=50)
        child_in_session_outcome_actions.register(contributions.outcome_invite_action, order=50)
