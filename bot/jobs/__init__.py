"""Scheduled work wired for the running bot: the outbox sender, the monthly bulletin,
the service loop's held notices. Each job claims its work in the database."""
