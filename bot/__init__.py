"""Application wiring for the volunteer bot: settings, database, i18n, scheduling and the CLI."""
