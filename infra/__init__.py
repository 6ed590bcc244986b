"""Infrastructure the handlers and the process share: settings, the database and its migrations,
translations, charts, long reports.

May import `models/` and third-party libraries; never `handlers/` or `bot/`, and never `telegram`.
"""
