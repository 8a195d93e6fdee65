"""The HTTP side of gridbot, thin like handlers/: the 指挥调度平台 (the cadres' web command
centre: the map, the lists, a ticket's page with its actions, the figures; `app`, `pages`,
`ticket`, `actions`, `statistics`, `auth`), Telegram's webhook (`webhook`), the health
checks /healthz and /readyz (`health`), and the server that carries them (`server`).

It signs people in (organisation.signin), reads through the domain and acts through the
same workflow and policy as the chat buttons, delivering the same notices with the
handlers' rendering. May import: the domain packages, documents, delivery, storage, nlp,
and handlers' shared delivery and views. It never imports bot: the wiring hands in the
Dispatcher, the Bot and the checks.
"""
