"""督办: the working-day calendar, SLA deadlines, the reminder ladder and its sweep,
digests for staff, and the cadres' overdue list with 催办.

May import: tickets, organisation, storage. Never aiogram, never handlers or bot.
"""
