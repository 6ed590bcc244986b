"""The program's data and rules, free of Telegram: tables and the operations on them.

The bottom layer: imports no other package of the project, and never `telegram`.
"""

from models import tables  # noqa: F401  (registers every table on SQLModel.metadata)
