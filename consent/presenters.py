"""What consent templates show: status labels and tag colours, answers in words."""

from consent.forms import FLU_CHOICES, HEALTH_QUESTIONS, RELATIONSHIP_CHOICES
from consent.models import ConsentResponse, FluMethod, Triage
from consent.selectors import ConsentStatus, TriageStatus

STATUS_LABELS = {
    ConsentStatus.NO_RESPONSE: "No response",
    ConsentStatus.GIVEN: "Consent given",
    ConsentStatus.GIVEN_NASAL: "Consent given for nasal spray",
    ConsentStatus.GIVEN_INJECTION: "Consent given for injected vaccine",
    ConsentStatus.REFUSED: "Consent refused",
    ConsentStatus.CONFLICTING: "Conflicting consent",
    ConsentStatus.NOT_REQUIRED: "Vaccinated",
}
STATUS_COLOURS = {
    ConsentStatus.NO_RESPONSE: "grey",
    ConsentStatus.GIVEN: "aqua-green",
    ConsentStatus.GIVEN_NASAL: "aqua-green",
    ConsentStatus.GIVEN_INJECTION: "aqua-green",
    ConsentStatus.REFUSED: "red",
    ConsentStatus.CONFLICTING: "orange",
    ConsentStatus.NOT_REQUIRED: "green",
}
TRIAGE_LABELS = {
    TriageStatus.NOT_NEEDED: "No triage needed",
    TriageStatus.NEEDED: "Needs triage",
    TriageStatus.SAFE_TO_VACCINATE: "Safe to vaccinate",
    TriageStatus.KEEP_IN_TRIAGE: "Keep in triage",
    TriageStatus.DELAY_VACCINATION: "Delay vaccination",
    TriageStatus.DO_NOT_VACCINATE: "Do not vaccinate",
}

# The Consent tab's filters, in order: (key, label, indented sub-filter?).
TAB_FILTERS = [
    ("no_response", "No response", False),
    ("given", "Consent given", False),
    ("given_nasal", "Nasal spray", True),
    ("given_injection", "Injected vaccine", True),
    ("refused", "Consent refused", False),
    ("conflicting", "Conflicting consent", False),
]


def status_tag(status: str) -> dict:
    return {"text": STATUS_LABELS.get(status, status), "classes": f"nhsuk-tag--{STATUS_COLOURS.get(status, 'grey')}"}


def relationship_label(relationship: str, other: str = "") -> str:
    if relationship == "other" and other:
        return other
    return dict(RELATIONSHIP_CHOICES).get(relationship, relationship)


def answer_label(programme, answer: dict) -> str:
    if answer["response"] == "given" and programme.is_flu:
        key = {FluMethod.NASAL: "given_nasal", FluMethod.NASAL_OR_INJECTION: "given_nasal_or_injection"}.get(
            answer.get("flu_method"), "given_injection"
        )
        return dict(FLU_CHOICES)[key]
    return {"given": "Yes", "refused": "No", "not_provided": "No response"}[answer["response"]]


def response_summary(response: ConsentResponse) -> str:
    text = response.get_response_display()
    if response.flu_method:
        text += f" ({response.get_flu_method_display().lower()})"
    if response.refusal_reason:
        text += f": {response.get_refusal_reason_display()}"
    return text


def health_rows(answers: list[dict]) -> list[dict]:
    return [
        {"question": a["question"], "answer": "Yes" if a["answer"] == "yes" else "No", "details": a.get("details", "")}
        for a in answers
    ]


def refusal_reason_label(value: str) -> str:
    return ConsentResponse.RefusalReason(value).label if value else ""


def triage_label(value: str) -> str:
    return Triage.Status(value).label if value else ""


QUESTIONS = dict(HEALTH_QUESTIONS)
