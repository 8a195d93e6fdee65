"""The HTTP side of gridbot: Telegram's webhook (`webhook`), the health checks /healthz and
/readyz (`health`), and the server that carries them (`server`), plus the web command
centre's pages when that module (`web.app`) is installed. It never imports `bot`: the
wiring hands in the Dispatcher, the Bot and the checks."""
