"""The complaint loop: 受理 (intake), 派单 (routing), 签收/办结/退回/转派/吹哨, 回访, duplicates.

Owns the ticket states (lifecycle), who may do what (policy), the workflow (service) and
the plain views handlers render. May import: organisation, supervision (SLA, reminder
ladder), storage, nlp. Never aiogram, never handlers or bot.
"""
