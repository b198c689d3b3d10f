import time

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mavis import audit, health, roles
from mavis.forms import ChooseTeamForm, SignInForm
from mavis.middleware import CurrentTeamMiddleware
from mavis.redirects import safe_next

# Outlives the session (a browser-session cookie): signed out while it is still set means the
# 30 idle minutes ran out, and Sign in says so instead of appearing with no explanation.
SIGNED_IN_COOKIE = "mavis_signed_in"


@login_not_required
@never_cache
def sign_in(request):
    if request.user.is_authenticated:
        return redirect("mavis:home")
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        with audit.acting_as(form.user):
            audit.record("user.signed_in", form.user)
        next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("mavis:home"))
        response = redirect(next_url)
        response.set_cookie(SIGNED_IN_COOKIE, "1", httponly=True, samesite="Lax", secure=request.is_secure())
        return response
    timed_out = request.method == "GET" and request.COOKIES.get(SIGNED_IN_COOKIE) == "1"
    context = {"form": form, "next": request.GET.get("next", ""), "timed_out": timed_out}
    response = render(request, "mavis/sign_in.jinja", context)
    response.delete_cookie(SIGNED_IN_COOKIE, samesite="Lax")
    return response


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, "You have signed out.")
    response = redirect("mavis:sign_in")
    response.delete_cookie(SIGNED_IN_COOKIE, samesite="Lax")
    return response


@require_POST
def keep_alive(request):
    """Pinged by the page while the user types or presses Stay signed in: moves the idle timeout on."""
    request.session["active_at"] = int(time.time())
    return HttpResponse(status=204)


def home(request):
    return redirect(reverse("patients:children"))


def choose_team(request):
    teams = request.user_teams
    form = ChooseTeamForm(teams, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[CurrentTeamMiddleware.SESSION_KEY] = form.cleaned_data["team"]
        return redirect("mavis:home")
    return render(request, "mavis/choose_team.jinja", {"form": form})


@login_not_required
def healthcheck(request):
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def readiness(request):
    results = health.run_checks()
    ready = all(result == "ok" for result in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)


def error_404(request, exception=None):
    return render(request, "errors/404.jinja", status=404)


def error_403(request, exception=None):
    # A role refusal says what the user cannot do and why; other refusals say nothing more.
    denied = str(exception) if isinstance(exception, roles.RoleDenied) else ""
    return render(request, "errors/403.jinja", {"role_denied": denied}, status=403)


def error_500(request):
    return render(request, "errors/500.jinja", status=500)


def csrf_failure(request, reason=""):
    return render(request, "errors/403.jinja", {"csrf": True}, status=403)
