"""Figures cadres are judged by: KPIs (defined once, in figures.kpi), /stats, periods,
the monthly bulletin's data, ticket exports, and 五色 assessment of grid members.

May import: tickets, organisation, supervision, service_orders, storage. Never aiogram.
Drawing (charts, workbooks) lives in documents/.
"""
