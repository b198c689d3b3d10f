"""NHS number: 10 digits, the last a modulus-11 check digit."""

from django.core.exceptions import ValidationError


def normalise_nhs_number(value: str) -> str:
    return "".join((value or "").split())


def is_valid_nhs_number(value: str) -> bool:
    digits = normalise_nhs_number(value)
    # ASCII only: str.isdigit() also accepts Arabic-Indic and superscript digits.
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def validate_nhs_number(value: str) -> None:
    if not is_valid_nhs_number(value):
        raise ValidationError("Enter a valid 10-digit NHS number", code="invalid_nhs_number")


def format_nhs_number(value: str | None) -> str:
    if not value:
        return ""
    return f"{value[:3]} {value[3:6]} {value[6:]}"
