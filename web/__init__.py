"""指挥调度平台: the cadres' web command centre, an aiohttp application served by gridbot
itself: the map, the lists, a ticket's page with its actions, the figures.

Thin, like handlers/: it signs people in (organisation.signin), reads through the domain
(supervision.board, tickets.service, figures) and acts through the same workflow and
policy as the chat buttons, delivering the same notices with the handlers' rendering.
May import: the domain packages, documents, delivery, storage, nlp, and handlers' shared
delivery and views (for the notices). Only bot imports web.
"""
