"""Where to send the user back to: a `next` from the request, if it stays on this site."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, candidate: str | None, default: str) -> str:
    """`candidate` when it is a URL on this host (an open redirect otherwise), else `default`."""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default
