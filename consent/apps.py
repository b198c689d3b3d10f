from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent and triage"

    def ready(self):
        from consent import contributions, demo, services  # noqa: F401 - demo registers its seed step
        from sessions.extensions import (
            Tab,
            child_in_session_actions,
            child_in_session_sections,
            session_overview_panels,
            session_tabs,
            vaccination_recorded,
        )

        session_tabs.register(Tab("Consent", "consent:tab", 30))
        session_overview_panels.register(contributions.overview_panel, order=30)
        child_in_session_sections.register(contributions.child_section, order=30)
        child_in_session_actions.register(contributions.child_actions, order=30)
        vaccination_recorded.register(services.vaccination_outcome_message_enqueue)
