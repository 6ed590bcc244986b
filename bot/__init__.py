"""The process: application wiring, the `volunteer-bot` command, scheduling, the outbox sender,
rate limiting, the Bot API transports and the offline demo.

The top layer: may import `handlers/`, `infra/` and `models/`; nothing imports it back.
"""
