"""Signals the plugin sends to its host."""

from django.dispatch import Signal

#: Sent inside the transaction that changed the holiday calendar, before it commits.
#: ``days``: the sorted dates whose working-day status or holiday changed; ``actor``: who changed
#: them (a user or a label); ``reason``: why, in Chinese and English (a pair), for the people whose deadlines move.
#: A receiver recomputes what it counted in working days and returns how many deadlines moved.
calendar_changed = Signal()
