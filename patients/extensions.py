"""Places on the register's pages that higher apps fill (see mavis.extensions)."""

from mavis.extensions import Slot

# The bottom of the child record: **Invite to community clinic** (clinics) and others.
child_record_actions = Slot("child_record.actions")
# Sections of the child record: sessions, consent, activity log.
child_record_sections = Slot("child_record.sections")
# Inside each parent card on the child record (context: parent=, child=), e.g. a failed-message warning.
parent_card_extras = Slot("child_record.parent_card_extras")
