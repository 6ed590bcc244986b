"""Coordinator tools: roles, opportunities, on-site codes, attendance review, broadcasts, figures."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import callback_data as cd
from handlers.coordinator import (
    attendance,
    broadcast,
    broadcast_progress,
    exports,
    on_behalf,
    onsite,
    opportunities,
    profiles,
    records,
    roles,
    station,
    stats,
    targets,
)

# Photos, locations and files are read by the coordinator flows first; a handler there stops the
# update only when the sender is inside one of its flows, so volunteers are unaffected. Group -2:
# group -1 holds a catch-all TypeHandler, and only one handler per group runs. The check itself
# claims nothing (the update id is not known yet); the flow's own unit of work claims the update.
FLOW_GROUP = -2


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Coordinator commands, buttons, text flows and notice renderers."""
    private = filters.ChatType.PRIVATE
    commands = {
        "coord": roles.show_coordinator_menu,
        "staff": roles.show_staff,
        "role": roles.assign_role_command,
        "setprofile": profiles.set_profile_command,
        "broadcast": broadcast.start_broadcast,
        "stats": stats.show_stats,
        "settarget": targets.set_target_command,
        "shifts": onsite.list_shifts,
        "review": attendance.review_attendance,
        "addhours": attendance.add_hours_command,
        "records": records.find_records_command,
        "newopp": opportunities.start_new_opportunity,
        "export": exports.export_command,
        "exportopps": exports.export_opportunities,
        "importopps": exports.start_import,
        "audit": exports.show_audit,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=private))
    # A scanned pass opens the bot with `/start pass-<token>`: before the volunteers' /start.
    app.add_handler(CommandHandler("start", station.scan_pass_link, filters=private & filters.Regex(station.START_PATTERN)))
    buttons: dict[type[cd.CallbackData], Callable[..., Coroutine[Any, Any, None]]] = {
        cd.BroadcastAudience: broadcast.choose_audience_button,
        cd.BroadcastConfirm: broadcast.confirm_broadcast_button,
        cd.BroadcastCancel: broadcast.cancel_broadcast_button,
        cd.BroadcastStop: broadcast_progress.stop_broadcast_button,
        cd.ProgramStats: stats.stats_button,
        cd.ShiftAction: onsite.shift_button,
        cd.ShiftList: onsite.shift_page_button,
        cd.MarkNoShow: attendance.no_show_button,
        cd.AdjustAttendance: attendance.adjust_button,
        cd.KeepAttendance: attendance.keep_button,
        cd.NewOpportunity: opportunities.new_opportunity_button,
        cd.NewOpportunityAge: opportunities.min_age_button,  # issue 13: the preview's minimum age
        cd.PassCheckIn: station.check_in_button,
        cd.PassCheckOut: station.check_out_button,
        cd.PassDismiss: station.dismiss_button,
        cd.CheckInFor: on_behalf.check_in_for_button,
        cd.CheckOutFor: on_behalf.check_out_for_button,
        cd.MarkPresent: on_behalf.mark_present_button,
        cd.CorrectRecord: records.correct_record_button,
        cd.VolunteerRecords: records.records_page_button,
    }
    for kind, button in buttons.items():
        app.add_handler(CallbackQueryHandler(button, pattern=kind.pattern))
    app.add_handler(MessageHandler(private & filters.PHOTO, broadcast.broadcast_photo), group=FLOW_GROUP)
    app.add_handler(MessageHandler(private & filters.LOCATION, opportunities.new_opportunity_location), group=FLOW_GROUP)
    app.add_handler(MessageHandler(private & filters.Document.ALL, exports.import_document), group=FLOW_GROUP)

    app.bot_data.text_flows.update({
        broadcast.FLOW: broadcast.broadcast_text,
        onsite.EDIT_FLOW: onsite.edit_shift_text,
        attendance.ADJUST_FLOW: attendance.adjust_text,
        opportunities.FLOW: opportunities.new_opportunity_text,
        exports.IMPORT_FLOW: exports.import_text,
        on_behalf.PRESENT_FLOW: on_behalf.present_text,
        records.CORRECT_FLOW: records.correct_text,
    })
    if app.job_queue is not None:  # runs once the application starts (not in offline tests)
        app.job_queue.run_once(broadcast_progress.resume_progress_jobs, when=5, name="broadcast-progress:resume")
