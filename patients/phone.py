"""UK mobile numbers, as GOV.UK Notify accepts them for text messages."""

import re

_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_uk_mobile(value: str) -> str | None:
    """07xxx xxxxxx, +447..., 00447..., 447... -> '07xxxxxxxxx'; anything else -> None."""
    number = _SEPARATORS.sub("", value or "")
    if number.startswith("+44"):
        number = "0" + number[3:]
    elif number.startswith("0044"):
        number = "0" + number[4:]
    elif number.startswith("44") and len(number) == 12:
        number = "0" + number[2:]
    if number.startswith("00"):
        return None
    if len(number) == 11 and number.startswith("07") and number.isascii() and number.isdigit():
        return number
    return None


def is_uk_mobile(value: str) -> bool:
    return normalise_uk_mobile(value) is not None


# Phones are stored normalised (see normalise_phone), so SQL can recognise a UK mobile.
UK_MOBILE_SQL_REGEX = r"^07[0-9]{9}$"


def normalise_phone(value: str) -> str:
    """Store UK mobiles as 07xxxxxxxxx; keep any other number as typed (trimmed)."""
    return normalise_uk_mobile(value) or (value or "").strip()
