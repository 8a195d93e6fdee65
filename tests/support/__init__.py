"""Helpers shared by the tests: a fake Telegram Bot API server and friends."""
