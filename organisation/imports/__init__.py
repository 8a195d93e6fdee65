"""Organisation files and applying them: TOML (spec), spreadsheets (sheet, sheettable),
reading any of them (files), the one error they raise (errors), and applying a file to
the database idempotently, with hand-over of leavers' tickets (apply)."""
