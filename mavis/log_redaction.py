"""A logging filter that takes the parents' consent tokens out of every log line.

The token in /consent/<token> is the only key to a child's consent form, and Django's own
warnings print request paths ("Not Found: ...", "Forbidden (CSRF cookie not set.): ...",
"Gone: ..."). The filter sits on every handler in settings.LOGGING, so it sees the records
of every logger.
"""

import logging
import re

# A consent path at the start of a path (after a space, quote, bracket, "=" or a scheme and
# host), not the staff pages' ".../children/1/consent/record".
CONSENT_PATH = re.compile(r"""((?:^|[\s"'(=])(?:https?://[^/\s"']+)?/consent/)[^/\s?#"']+""")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return CONSENT_PATH.sub(REDACTED, text)


class RedactConsentTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/consent/" in message:
            record.msg = redact(message)
            record.args = None
        return True
