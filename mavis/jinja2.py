"""The Jinja2 environment: NHS templates, Django helpers and shared filters."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from jinja2.filters import do_indent
from markupsafe import Markup

from mavis import roles
from mavis.dates import date_long, date_short  # noqa: F401 - filters, and imported from here


def url(name, *args, **kwargs):
    return reverse(name, args=args or None, kwargs=kwargs or None)


def time_of_day(value):
    """'9:05am' in London time."""
    if value is None:
        return ""
    value = timezone.localtime(value) if isinstance(value, datetime.datetime) else value
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d}{'am' if value.hour < 12 else 'pm'}"


def plural(count, singular, plural_form=None):
    return singular if count == 1 else (plural_form or singular + "s")


def indent(text, width=4, first=False, blank=False):
    """Jinja's `indent` with the same output, worked out on plain text. Jinja's own works line by
    line on Markup, and each piece it joins is checked for escaping: it was half the time of
    rendering an NHS table (cProfile of the Children list). The lines of Markup are already safe,
    so the result is Markup again."""
    indented = do_indent(str(text), width, first, blank)
    return Markup(indented) if isinstance(text, Markup) else indented  # noqa: S704


def environment(**options):
    options.setdefault("autoescape", True)
    # The NHS macros read optional parameters in chains (params.search.action).
    options["undefined"] = ChainableUndefined
    options["loader"] = ChoiceLoader(
        [
            options.pop("loader", None) or FileSystemLoader(options.pop("searchpath", [])),
            PackageLoader("nhsuk_frontend_jinja"),
        ]
    )
    options.setdefault("extensions", ["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    env = Environment(**options)  # noqa: S701 - autoescape is set above
    env.globals.update(
        {
            "static": static,
            "static_url": settings.STATIC_URL,
            "url": url,
            "get_messages": messages.get_messages,
            "localdate": timezone.localdate,
            # {% if can(request.user, Clinical.TRIAGE) %}: hide what the role cannot do (mavis.roles).
            "can": roles.can,
            "Clinical": roles.Clinical,
        }
    )
    env.filters.update(
        {
            "date_long": date_long,
            "date_short": date_short,
            "time_of_day": time_of_day,
            "plural": plural,
            "indent": indent,
        }
    )
    return env
