"""Places on the register's pages that higher apps fill (see mavis.extensions)."""

from mavis.extensions import Slot

# The bottom of the child record: **Invite to community clinic** (clinics) and others.
child_record_actions = Slot("child_record.actions")
# Sections of the child record: sessions, consent, activity log.
child_record_sections = Slot("child_record.sections")
# Warnings in the parent cards of the child record (context: child=): {parent id: {"heading",
# "text"}} for every parent of the child at once, e.g. that the last message failed.
parent_card_warnings = Slot("child_record.parent_card_warnings", required_by="notifications")
