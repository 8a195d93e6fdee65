"""Telegram's side of sending: the notifier that keeps to Telegram's limits (pacing,
429, 403), the offline Bot session that answers like Telegram (tests, `gridbot demo`),
and scripted conversations. Knows aiogram, nothing of tickets.

May import: storage (nothing else of the domain). Never handlers or bot.
"""
