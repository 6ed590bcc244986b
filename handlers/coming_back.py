"""What keeps volunteers coming back (issue 12): interests, the morning digest, badges, the leaderboard."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import browse, interests, leaderboard
from handlers import callback_data as cd


def register(app: Application) -> None:  # type: ignore[type-arg]
    """/interests, /leaderboard, the interests list's buttons and the digest's."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("interests", interests.show_interests, filters=private))
    app.add_handler(CommandHandler("leaderboard", leaderboard.show_leaderboard, filters=private))
    app.add_handler(CallbackQueryHandler(interests.interests_page_button, pattern=cd.InterestsPage.pattern))
    app.add_handler(CallbackQueryHandler(interests.toggle_category_button, pattern=cd.ToggleCategory.pattern))
    app.add_handler(CallbackQueryHandler(interests.toggle_center_button, pattern=cd.ToggleCenter.pattern))
    app.add_handler(CallbackQueryHandler(interests.digest_setting_button, pattern=cd.DigestSetting.pattern))
    app.add_handler(CallbackQueryHandler(browse.page_mine_button, pattern=cd.BrowseMine.pattern))
    app.add_handler(CallbackQueryHandler(browse.show_mine_button, pattern=cd.ShowMine.pattern))
    app.add_handler(CallbackQueryHandler(leaderboard.leaderboard_view_button, pattern=cd.LeaderboardView.pattern))
    app.add_handler(CallbackQueryHandler(leaderboard.leaderboard_setting_button, pattern=cd.LeaderboardSetting.pattern))
