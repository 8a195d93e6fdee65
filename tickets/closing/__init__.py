"""Closing a ticket without 办结, and the reasons people give: 撤销 (the resident withdraws
their own ticket), 无效 (its handler or a cadre closes it as not a matter for the grid), and
the reason a resident gives after 未解决 or 不满意 (the reasons offered in one tap)."""
