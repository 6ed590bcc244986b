"""Thin Telegram handlers and the renderers of every outgoing message; `register(app)` is the one
place they are wired, in order.

May import `infra/` and `models/` (and telegram); never `bot/`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    attendance,
    browse,
    calendar,
    certificates,
    checkout,
    coming_back,
    coordinator,
    edits,
    general,
    guardians,
    live_location,
    offers,
    onboarding,
    passes,
    profile,
    qualifications,
    ratings,
    reminders,
    schedule,
    settings,
    signups,
    teams,
    year_card,
)
from handlers import callback_data as cd
from handlers.context import remember_update
from handlers.coordinator import contacts
from handlers.inline_presses import InlinePressHandler, refuse_inline_press

# Groups run in order, and within a group only the first matching handler: the edit guard has a
# group of its own before the coordinator flows' group (-2) and the update-id group (-1).
EDIT_GUARD_GROUP = -3


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Every handler of the bot. Group 0 holds the volunteer journey; order matters within it."""
    private = filters.ChatType.PRIVATE
    # First of all: an edited message never acts again (Telegram delivers edits as new updates).
    # A live location's position updates arrive as edits too: they go to their own handler.
    guard = edits.make_edit_guard(on_live_location=live_location.follow_live_position)
    app.add_handler(TypeHandler(Update, guard), group=EDIT_GUARD_GROUP)
    # Before anything else: remember the update id so the first transaction claims it.
    app.add_handler(TypeHandler(Update, remember_update), group=-1)
    # A press on an inline message has no chat to answer in: first, so no feature's pattern takes it.
    app.add_handler(InlinePressHandler(refuse_inline_press))
    # Features with their own commands and buttons come first, so their patterns win.
    reminders.register(app)
    offers.register(app)
    settings.register(app)
    guardians.register(app)
    contacts.register(app)
    teams.register(app)
    coming_back.register(app)
    certificates.register(app)
    coordinator.register(app)
    ratings.register(app)  # issue 12: ratings and /comments
    calendar.register(app)  # issue 12: 📅 Add to calendar and /calendar
    year_card.register(app)
    profile.register(app)
    qualifications.register(app)

    app.add_handler(CommandHandler("start", general.start, filters=private))
    app.add_handler(CommandHandler("help", general.show_help, filters=private))
    app.add_handler(CommandHandler("language", general.ask_language, filters=private))
    app.add_handler(CommandHandler("opportunities", browse.list_opportunities, filters=private))
    app.add_handler(CommandHandler("my", schedule.show_schedule, filters=private))
    app.add_handler(CommandHandler("checkin", attendance.ask_check_in, filters=private))
    app.add_handler(CommandHandler("checkout", checkout.ask_check_out, filters=private))
    app.add_handler(CommandHandler("hours", attendance.show_hours, filters=private))
    app.add_handler(CommandHandler("pass", passes.show_pass, filters=private))

    app.add_handler(CallbackQueryHandler(onboarding.choose_language_button, pattern=cd.ChooseLanguage.pattern))
    app.add_handler(CallbackQueryHandler(onboarding.choose_center_button, pattern=cd.ChooseCenter.pattern))
    app.add_handler(CallbackQueryHandler(onboarding.page_centers_button, pattern=cd.CentersPage.pattern))
    app.add_handler(CallbackQueryHandler(onboarding.choose_gender_button, pattern=cd.ChooseGender.pattern))
    app.add_handler(CallbackQueryHandler(passes.renew_pass_button, pattern=cd.PassRenew.pattern))
    app.add_handler(CallbackQueryHandler(browse.page_opportunities_button, pattern=cd.Browse.pattern))
    app.add_handler(CallbackQueryHandler(browse.filter_menu_button, pattern=cd.FilterMenu.pattern))
    app.add_handler(CallbackQueryHandler(browse.show_opportunity_button, pattern=cd.ShowOpportunity.pattern))
    app.add_handler(CallbackQueryHandler(signups.sign_up_button, pattern=cd.SignUp.pattern))
    app.add_handler(CallbackQueryHandler(signups.join_waitlist_button, pattern=cd.JoinWaitlist.pattern))
    app.add_handler(CallbackQueryHandler(signups.ask_cancel_button, pattern=cd.Cancel.pattern))
    app.add_handler(CallbackQueryHandler(signups.cancel_signup_button, pattern=cd.CancelConfirmed.pattern))
    app.add_handler(CallbackQueryHandler(signups.keep_signup_button, pattern=cd.CancelKept.pattern))
    app.add_handler(CallbackQueryHandler(live_location.check_out_left_site_button, pattern=cd.LeftSiteCheckOut.pattern))
    app.add_handler(CallbackQueryHandler(checkout.confirm_check_out_button, pattern=cd.CheckOutConfirm.pattern))
    app.add_handler(CallbackQueryHandler(checkout.keep_checked_in_button, pattern=cd.CheckOutKept.pattern))
    app.add_handler(CallbackQueryHandler(checkout.undo_check_out_button, pattern=cd.CheckOutUndo.pattern))
    # Anything else pressed is stale or forged: answer it so the button stops spinning.
    app.add_handler(CallbackQueryHandler(general.stale_button))

    app.add_handler(MessageHandler(private & filters.CONTACT, onboarding.share_contact))
    app.add_handler(MessageHandler(private & filters.LOCATION, attendance.check_in_with_location))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, general.route_text))
    app.add_handler(MessageHandler(private & filters.COMMAND, general.unknown_command))
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, general.other_message))

    app.add_error_handler(general.handle_error)  # type: ignore[arg-type]
