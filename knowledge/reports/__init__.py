"""Markdown reports with citations, and their HTML: one module per report kind, each registering itself."""

# Each kind registers itself on import: a new report kind is a new module and a name on this line.
from knowledge.reports import briefing, organisation, recommendation, roundtable, tracker
from knowledge.reports.briefing import build_briefing
from knowledge.reports.evidence import excerpt, rec_terms
from knowledge.reports.html import STYLE, render_html, report_title, safe_url
from knowledge.reports.organisation import build_organisation_report
from knowledge.reports.recommendation import build_recommendation_report
from knowledge.reports.registry import (
    ReportError,
    ReportKindSpec,
    build_report,
    build_workbook,
    get,
    kinds,
    register,
    specs,
)
from knowledge.reports.roundtable import build_roundtable_report
from knowledge.reports.writer import Writer, citation, md_escape, md_line

__all__ = [
    "STYLE",
    "ReportError",
    "ReportKindSpec",
    "Writer",
    "briefing",
    "build_briefing",
    "build_organisation_report",
    "build_recommendation_report",
    "build_report",
    "build_roundtable_report",
    "build_workbook",
    "citation",
    "excerpt",
    "get",
    "kinds",
    "md_escape",
    "md_line",
    "organisation",
    "rec_terms",
    "recommendation",
    "register",
    "render_html",
    "report_title",
    "roundtable",
    "safe_url",
    "specs",
    "tracker",
]
