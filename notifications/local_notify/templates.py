"""The local Notify's templates: realistic NHS wording for every kind of message.

Placeholders use Notify's ((name)) syntax. Keys are "<kind>.<channel>"; the ids come from
settings.NOTIFY_TEMPLATES (or the defaults below when Django is not configured).
"""

import re

PLACEHOLDER = re.compile(r"\(\(([^()?]+)\)\)")

_TEAM_FOOTER = """If you have any questions, contact ((team_name)) on ((team_phone)) or ((team_email)).

((team_name))"""

TEXTS = {
    "clinic_invitation.email": {
        "subject": "Book a community clinic appointment for ((child_name))'s vaccinations",
        "body": """Dear parent or guardian,

((child_name)) has not yet had these vaccinations: ((vaccinations)).

You can bring ((child_short_name)) to one of our community clinics instead of having the vaccination at school.

Our next clinic is on ((next_clinic_date)). Clinic dates: ((clinic_dates)).

Book an appointment:
((booking_link))

If ((child_short_name)) has already had these vaccinations elsewhere, let us know so we can update their record.

"""
        + _TEAM_FOOTER
        + """

Find out how we use your information: ((privacy_notice_url))""",
    },
    "clinic_invitation.sms": {
        "body": "((child_name)) is due ((vaccinations)). Book a community clinic appointment "
        "(next dates: ((clinic_dates))): ((booking_link)) Questions? Call ((team_phone)). ((team_name))",
    },
    "clinic_booking_reminder.email": {
        "subject": "Reminder: book ((child_name))'s vaccination appointment",
        "body": """Dear parent or guardian,

We recently invited you to book a community clinic appointment for ((child_name)) (((vaccinations))). We have not yet had a booking.

Our next clinic is on ((next_clinic_date)). Clinic dates: ((clinic_dates)).

Book an appointment for ((child_short_name)):
((booking_link))

"""
        + _TEAM_FOOTER
        + """

Find out how we use your information: ((privacy_notice_url))""",
    },
    "clinic_booking_reminder.sms": {
        "body": "Reminder: ((child_short_name)) still needs ((vaccinations)). Book a clinic "
        "(((clinic_dates))): ((booking_link)) ((team_name))",
    },
    "consent_request.email": {
        "subject": "Give or refuse consent for ((child_name))'s vaccinations",
        "body": """Dear parent or guardian,

((team_name)) will be offering ((child_name)) these vaccinations at ((location)): ((programmes)).

Please tell us whether you give consent by ((closing_date)):
((consent_link))

"""
        + _TEAM_FOOTER,
    },
    "consent_request.sms": {
        "body": "Give or refuse consent for ((child_name))'s vaccinations (((programmes))) by "
        "((closing_date)): ((consent_link)) ((team_name))",
    },
    "consent_confirmation_given.email": {
        "subject": "Consent confirmed for ((child_name))",
        "body": """Dear ((parent_name)),

Thank you. You have given consent for ((child_name)) to have: ((programmes_given)).

We will vaccinate ((child_name)) at ((location)).

"""
        + _TEAM_FOOTER,
    },
    "consent_confirmation_given.sms": {
        "body": "Thank you. You have given consent for ((child_name)) to have ((programmes_given)). ((team_name))",
    },
    "consent_confirmation_refused.email": {
        "subject": "You have refused consent for ((child_name))",
        "body": """Dear ((parent_name)),

You have refused consent for ((child_name)) to have: ((programmes_refused)).

If you change your mind, contact us and we can arrange it.

"""
        + _TEAM_FOOTER,
    },
    "consent_confirmation_refused.sms": {
        "body": "You have refused consent for ((child_name)) to have ((programmes_refused)). "
        "To change your mind, call ((team_phone)). ((team_name))",
    },
    "consent_confirmation_triage.email": {
        "subject": "A nurse will review your answers for ((child_name))",
        "body": """Dear ((parent_name)),

Thank you for giving consent for ((child_name)) to have: ((programmes_given)).

Because of your answers to the health questions, a nurse will review them and may contact you before ((child_name)) is vaccinated at ((location)).

"""
        + _TEAM_FOOTER,
    },
    "consent_confirmation_triage.sms": {
        "body": "Thank you for your consent for ((child_name)). A nurse will review your health answers "
        "and may call you. ((team_name))",
    },
    "test.email": {
        "subject": "Test message from ((team_name))",
        "body": "This is a test message from ((team_name)) sent by Manage vaccinations in schools.",
    },
    "test.sms": {"body": "Test message from ((team_name)), sent by Manage vaccinations in schools."},
    "vaccination_confirmation.email": {
        "subject": "((child_name)) has had their ((vaccine)) vaccination",
        "body": """Dear parent or guardian,

((child_name)) has had their ((vaccine)) vaccination.

Vaccine: ((vaccine))
Date: ((vaccination_date))
How it was given: ((site))
Place: ((location))

What to expect
((what_to_expect))

If ((child_short_name)) seems very unwell or you are worried, call NHS 111. In an emergency, call 999.

"""
        + _TEAM_FOOTER,
    },
    "vaccination_confirmation.sms": {
        "body": "((child_short_name)) had their ((vaccine)) vaccination on ((vaccination_date)) at ((location)) "
        "(((site))). ((what_to_expect)) Questions? Call ((team_phone)). ((team_name))",
    },
    "vaccination_not_given.email": {
        "subject": "((child_name)) did not have their ((programme)) vaccination",
        "body": """Dear parent or guardian,

((child_name)) did not have their ((programme)) vaccination at ((location)) on ((vaccination_date)): ((reason)).

What happens next
((next_steps))

"""
        + _TEAM_FOOTER,
    },
    "vaccination_not_given.sms": {
        "body": "((child_short_name)) did not have their ((programme)) vaccination on ((vaccination_date)): "
        "((reason)). ((next_steps)) Questions? Call ((team_phone)). ((team_name))",
    },
    "clinic_booking_confirmation.email": {
        "subject": "((child_name))'s clinic appointment: ((appointment_date)) at ((appointment_time))",
        "body": """Dear parent or guardian,

You have booked a community clinic appointment for ((child_name)).

Date: ((appointment_date))
Time: ((appointment_time))
Where: ((venue))

To change or cancel the appointment:
((manage_link))

"""
        + _TEAM_FOOTER,
    },
    "clinic_booking_confirmation.sms": {
        "body": "((child_short_name))'s clinic appointment is booked: ((appointment_date)) at ((appointment_time)), "
        "((venue)). Change or cancel: ((manage_link)) ((team_name))",
    },
    "clinic_appointment_reminder.email": {
        "subject": "Reminder: ((child_name))'s clinic appointment tomorrow at ((appointment_time))",
        "body": """Dear parent or guardian,

This is a reminder of ((child_name))'s community clinic appointment tomorrow.

Date: ((appointment_date))
Time: ((appointment_time))
Where: ((venue))

If you cannot come, please change or cancel the appointment so someone else can have it:
((manage_link))

"""
        + _TEAM_FOOTER,
    },
    "clinic_appointment_reminder.sms": {
        "body": "Reminder: ((child_short_name))'s clinic appointment is tomorrow, ((appointment_date)) at "
        "((appointment_time)), ((venue)). Change or cancel: ((manage_link)) ((team_name))",
    },
    "clinic_appointment_cancelled.email": {
        "subject": "((child_name))'s clinic appointment is cancelled",
        "body": """Dear parent or guardian,

((child_name))'s community clinic appointment is cancelled, and the place is free for someone else.

Date: ((appointment_date))
Time: ((appointment_time))
Where: ((venue))

To book another appointment:
((manage_link))

"""
        + _TEAM_FOOTER,
    },
    "clinic_appointment_cancelled.sms": {
        "body": "((child_short_name))'s clinic appointment on ((appointment_date)) at ((appointment_time)) is "
        "cancelled. To book another: ((manage_link)) ((team_name))",
    },
}

DEFAULT_IDS = {key: f"6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a{index:04d}" for index, key in enumerate(TEXTS, start=1)}


def placeholders(text: str) -> list[str]:
    return list(dict.fromkeys(match.strip() for match in PLACEHOLDER.findall(text)))


def build(ids: dict | None = None) -> dict[str, dict]:
    """template id -> {key, name, type, subject, body, placeholders}."""
    ids = ids or DEFAULT_IDS
    templates = {}
    for key, text in TEXTS.items():
        kind, channel = key.split(".")
        template = {
            "key": key,
            "name": f"{kind.replace('_', ' ').capitalize()} ({channel})",
            "type": channel,
            "subject": text.get("subject", ""),
            "body": text["body"],
        }
        template["placeholders"] = placeholders(template["subject"] + "\n" + template["body"])
        templates[str(ids.get(key, DEFAULT_IDS[key])).lower()] = template
    return templates


def render(text: str, personalisation: dict) -> str:
    return PLACEHOLDER.sub(lambda m: str(personalisation.get(m.group(1).strip(), m.group(0))), text)
