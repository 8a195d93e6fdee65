"""五单 (wǔ dān), the service-order loop beside complaints, in the users' own words:
居民点单 (a resident asks for help), 支部议单 (the community reviews it), 社区派单 (it is
published to the community's party members and volunteers), 党员接单 (one takes it),
党群评单 (the resident rates it). With it: 双报到 registration, the 积分 ledger, 一键呼叫
and 联手说事 polls. (五色 assessment is a figure: see figures.assessment.)

May import: tickets (the complaint loop, for 一键呼叫), organisation, storage, nlp.
Never aiogram: every method returns plain data.
"""
