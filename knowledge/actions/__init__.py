"""Actions: who committed to what, their append-only progress history, RAG, and links to recommendations."""

from knowledge.actions.links import confirm_link, link_evidence, link_recommendation, reject_link
from knowledge.actions.parse import check_status, parse_percent, parse_status
from knowledge.actions.queries import (
    action_history,
    get_action,
    list_actions,
    list_evidence,
    recommendation_id,
    require_action,
)
from knowledge.actions.rules import (
    AMBER_WINDOW_DAYS,
    DEFAULT_STALE_DAYS,
    TRANSITIONS,
    check_transition,
    days_overdue,
    is_overdue,
    is_stale,
    rag,
    set_stale_days,
    stale_days,
)
from knowledge.actions.store import (
    change_due_date,
    create_action,
    delete_action,
    edit_action,
    update_action,
    update_progress,
)

__all__ = [
    "AMBER_WINDOW_DAYS",
    "DEFAULT_STALE_DAYS",
    "TRANSITIONS",
    "action_history",
    "change_due_date",
    "check_status",
    "check_transition",
    "confirm_link",
    "create_action",
    "days_overdue",
    "delete_action",
    "edit_action",
    "get_action",
    "is_overdue",
    "is_stale",
    "link_evidence",
    "link_recommendation",
    "list_actions",
    "list_evidence",
    "parse_percent",
    "parse_status",
    "rag",
    "recommendation_id",
    "reject_link",
    "require_action",
    "set_stale_days",
    "stale_days",
    "update_action",
    "update_progress",
]
