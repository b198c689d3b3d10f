from django.urls import NoReverseMatch, reverse

# The header links, by URL name so the platform imports no app above it.
MAIN_NAVIGATION = [("Children", "patients:children"), ("Sessions", "sessions:list")]


def service(request):
    items = []
    for text, name in MAIN_NAVIGATION:
        try:
            items.append({"text": text, "href": reverse(name)})
        except NoReverseMatch:
            continue
    return {"main_navigation": items}
