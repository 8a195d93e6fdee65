"""Files people forward or print: bulletin charts (PNG), workbooks (XLSX, CSV), QR join
posters, and the CJK font they need. Heavy libraries (matplotlib, openpyxl, PIL, qrcode)
are imported here only, when a document is made.

May import: figures, organisation, storage. Never aiogram, handlers or bot.
"""
