"""A quote as a PDF: a Django template rendered by WeasyPrint, in the quote's language.

The amounts are formatted for that language's locale (sv: 1 920 000,00), dates in its short
format. WeasyPrint fetches nothing but the logo: every other URL is refused, so no text on a
quote can make the server fetch anything.
"""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import formats, translation
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from pipeline_crm.models import CompanySettings
from pipeline_crm.numbers import format_number, number_locale

from .models import Quote, QuoteSettings
from .services import quote_language

LOGO = "img/logo.svg"
STYLE = Path(__file__).with_name("pdf.css")


def _logo_url() -> str | None:
    found = finders.find(LOGO)
    return Path(found).as_uri() if found else None


class LogoOnlyFetcher(URLFetcher):
    """Fetches the logo's file and refuses every other URL."""

    def __init__(self, allowed: str | None):
        super().__init__(allowed_protocols={"file"})
        self.allowed = allowed

    def fetch(self, url, headers=None):
        if self.allowed is None or url != self.allowed:
            raise ValueError(f"Quote PDFs fetch nothing but the logo, not {url!r}")
        return super().fetch(url, headers)


def pdf_language(quote: Quote) -> str:
    """A sent quote keeps the language it was sent in; a draft follows its contact."""
    return quote.language or quote_language(quote)


def quote_context(quote: Quote, *, language: str) -> dict:
    """The template's context: every figure already formatted in `language`'s locale."""
    locale = number_locale(language)

    def money(value) -> str:
        return format_number(value, locale=locale)

    lines = [
        {
            "label": line.label,
            "quantity": format_number(line.quantity, locale=locale),
            "unit_price": money(line.unit_price),
            "discount": format_number(line.discount_percent, locale=locale)
            if line.discount_percent
            else "",
            "total": money(line.total),
        }
        for line in quote.lines.select_related("product")
    ]
    with translation.override(language):
        valid_until = (
            formats.date_format(quote.valid_until, "SHORT_DATE_FORMAT") if quote.valid_until else ""
        )
    return {
        "quote": quote,
        "lines": lines,
        "has_discount": any(line["discount"] for line in lines),
        "amount": money(quote.amount),
        "vat_amount": money(quote.vat_amount),
        "vat_percent": format_number(quote.vat_percent, locale=locale),
        "gross_amount": money(quote.gross_amount),
        "shows_vat": bool(quote.vat_percent),
        "currency": quote.currency or CompanySettings.load().currency,
        "valid_until": valid_until,
        "company": QuoteSettings.load(),
        "logo": _logo_url(),
        "language": language,
    }


def render_quote_pdf(quote: Quote, *, language: str | None = None) -> bytes:
    """The quote as PDF bytes, in `language` (default: `pdf_language`)."""
    language = language or pdf_language(quote)
    context = quote_context(quote, language=language)
    with translation.override(language):
        html = render_to_string("quotes/pdf/quote.html", context)
    document = HTML(string=html, url_fetcher=LogoOnlyFetcher(context["logo"]))
    return document.write_pdf(stylesheets=[CSS(filename=STYLE)])


def pdf_filename(quote: Quote) -> str:
    name = quote.number or f"draft-{quote.opportunity_id}-v{quote.version}"
    return f"quote-{name}.pdf"
