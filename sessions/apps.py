from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is Django's own app label.
    label = "vaccination_sessions"
    verbose_name = "Vaccination sessions"

    def ready(self):
        from patients.extensions import child_record_sections
        from patients.hooks import on_children_changed
        from sessions import contributions, demo, services  # noqa: F401 - demo registers its seed step
        from sessions.extensions import Tab, session_tabs
        from sessions.status import is_session_day

        on_children_changed(services.clinic_memberships_sync)
        session_tabs.register(Tab("Overview", "sessions:session", 10))
        session_tabs.register(Tab("Children", "sessions:children", 20))
        session_tabs.register(Tab("Register", "sessions:register", 40, visible=is_session_day))
        session_tabs.register(Tab("Record vaccinations", "sessions:record", 50, visible=is_session_day))
        child_record_sections.register(contributions.child_sessions_section, order=20)
        child_record_sections.register(contributions.child_activity_log_section, order=90)
