"""Wiring: settings, the core (bot.core), the app factory (bot.app), the runner, the
scheduler and its jobs (bot.jobs), and the command line (bot.cli). Nothing here decides
anything; it builds the parts and connects them.

May import every other package; nothing imports bot.
"""
