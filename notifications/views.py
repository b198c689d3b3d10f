import hmac
import json
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import services
from notifications.dispatch import NOTIFY_STATUSES


def _uuid_or_none(value) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (TypeError, ValueError):
        return None


@csrf_exempt
@login_not_required
@require_POST
def callback(request):
    """GOV.UK Notify's delivery receipt. Notify retries only on 5xx/429, so anything we
    understood (including an id we do not know) is answered 2xx."""
    expected = settings.NOTIFY_CALLBACK_TOKEN.encode()
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip().encode() if header.startswith("Bearer ") else b""
    if not expected or not hmac.compare_digest(given, expected):
        return JsonResponse({"error": "Unauthorised"}, status=401)
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested thousands deep
        return JsonResponse({"error": "Invalid JSON"}, status=400)
    status = body.get("status") if isinstance(body, dict) else None
    if not isinstance(status, str) or status not in NOTIFY_STATUSES:
        return JsonResponse({"error": "Expected a delivery receipt with a known status"}, status=400)
    notify_id, reference = _uuid_or_none(body.get("id")), _uuid_or_none(body.get("reference"))
    known = (notify_id or reference) and services.delivery_receipt_record(
        notify_id=notify_id, reference=reference, status=status
    )
    return JsonResponse({"result": "recorded" if known else "unknown notification"}, status=200)
