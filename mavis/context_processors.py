from django.conf import settings
from django.urls import NoReverseMatch, reverse

# The header links, by URL name so the platform imports no app above it, each with the other
# paths that belong to its section (the clinic pages about a session sit under /clinics/).
MAIN_NAVIGATION = [
    ("Children", "patients:children", ("/clinics/children/",)),
    ("Sessions", "sessions:list", ("/clinics/sessions/",)),
    ("Vaccines", "setup:vaccines", ("/venues",)),
]


def service(request):
    items = []
    for text, name, also in MAIN_NAVIGATION:
        try:
            href = reverse(name)
        except NoReverseMatch:
            continue
        current = request.path.startswith((href, *also))
        items.append({"text": text, "href": href, "current": current})
    return {"main_navigation": items, "session_timeout_seconds": settings.SESSION_COOKIE_AGE}
