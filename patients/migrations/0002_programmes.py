from django.db import migrations

PROGRAMMES = [
    # code, name, default year groups (Reception = 0), seasonal
    ("flu", "Flu", list(range(0, 12)), True),
    ("hpv", "HPV", [8, 9, 10, 11], False),
    ("menacwy", "MenACWY", [9, 10, 11], False),
    ("td_ipv", "Td/IPV", [9, 10, 11], False),
]


def create_programmes(apps, schema_editor):
    Programme = apps.get_model("patients", "Programme")
    for code, name, year_groups, seasonal in PROGRAMMES:
        Programme.objects.update_or_create(
            code=code, defaults={"name": name, "year_groups": year_groups, "seasonal": seasonal}
        )


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [migrations.RunPython(create_programmes, migrations.RunPython.noop)]
