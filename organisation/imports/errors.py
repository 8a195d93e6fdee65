"""Why an organisation file was refused: one message naming the file, row or key at fault."""
from __future__ import annotations


class OrgFileError(Exception):
    """A file that cannot become the organisation; str() is the message shown to the admin."""
