"""Reports that other apps add to the reports page and to saved reports (the quote report), so
that forecasting never imports them (ARCHITECTURE.md: the arrows between apps point one way).

An app registers its report in its `AppConfig.ready()`; the reports page lists it after
forecasting's own, and a saved report of its kind opens its URL with the saved filters.
"""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class RegisteredReport:
    kind: str  # the saved report's kind: at most 20 characters, unique
    label: str | Promise
    url_name: str
    question: str | Promise


_REPORTS: dict[str, RegisteredReport] = {}


def register(kind: str, *, label, url_name: str, question) -> None:
    """Add a report of another app; registering the same kind again replaces it."""
    if len(kind) > 20:
        raise ValueError(f"A report kind has at most 20 characters: {kind!r}")
    _REPORTS[kind] = RegisteredReport(kind, label, url_name, question)


def registered() -> list[RegisteredReport]:
    return list(_REPORTS.values())


def url_name(kind: str) -> str | None:
    report = _REPORTS.get(kind)
    return report.url_name if report else None
