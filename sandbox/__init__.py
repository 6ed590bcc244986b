"""A local stand-in for the Telegram Bot API, with simulated users, for tests and demos."""

from sandbox.balancer import RoundRobinBalancer
from sandbox.client import SandboxClient, SandboxError
from sandbox.errors import SandboxUsageError
from sandbox.records import CallbackQueryRecord, ChatMessage
from sandbox.server import TelegramStandIn
from sandbox.users import SimulatedUser

__all__ = [
    "CallbackQueryRecord",
    "ChatMessage",
    "RoundRobinBalancer",
    "SandboxClient",
    "SandboxError",
    "SandboxUsageError",
    "SimulatedUser",
    "TelegramStandIn",
]
