"""The program's data and rules, free of Telegram: tables and the operations on them."""

from models import tables  # noqa: F401  (registers every table on SQLModel.metadata)
