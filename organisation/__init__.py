"""The organisation and its people: 街道 → 社区 → 网格 → 微网格, departments, staff,
invitations, grid boundaries, imports (TOML, CSV, XLSX), hand-over of a leaver's tickets,
residents' privacy and languages, the audit log.

May import: tickets (lifecycle, policy, routing, for hand-overs), supervision, storage.
Never aiogram, never handlers or bot.
"""
