"""Notices: the messages the bot sends on its own, from the rules' side (no Telegram here).

A domain function that changes someone's situation queues the notice itself, in its own
transaction (`models.outbox.enqueue` with a `NoticeKind`). When the sender takes the row, the
kind's loader reads the facts afresh and decides whether the message is still due (None: drop
it); a pure renderer in `handlers.notices` turns the facts into text and buttons. A new kind is
one loader in `registry.LOADERS` and one renderer in `handlers.notices.RENDERERS` (a test checks both).
"""

