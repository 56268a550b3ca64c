"""Sending a quote: number it, store its PDF on the deal, e-mail it, log the e-mail.

One transaction: if the mail server refuses, nothing of the send remains (the quote stays a
draft, its number goes back to the counter, the stored PDF is removed).
"""

from datetime import date

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from activities import services as activity_services
from activities.models import Activity, ActivityType

from . import services
from .models import Quote
from .pdf import pdf_filename, render_quote_pdf


def default_message(quote: Quote, *, user) -> dict[str, str]:
    """The send form's initial address, subject and text, in the quote's language."""
    language = services.quote_language(quote)
    context = {"quote": quote, "user": user, "valid_days": services.QuoteSettings.load().valid_days}
    with translation.override(language):
        subject = _("Quote: %(deal)s") % {"deal": quote.opportunity.name}
        message = render_to_string("quotes/email/quote_message.txt", context)
    return {
        "to": quote.contact.email if quote.contact_id else "",
        "subject": subject,
        "message": message.strip(),
    }


def _email_type() -> ActivityType:
    found = ActivityType.objects.filter(kind=ActivityType.Kind.EMAIL).order_by(
        "-is_active", "order"
    )
    return found.first() or ActivityType.objects.create(
        name="E-mail", kind=ActivityType.Kind.EMAIL, order=30
    )


@transaction.atomic
def send_quote(
    quote: Quote,
    *,
    user,
    to: str,
    subject: str,
    message: str,
    today: date | None = None,
) -> Quote:
    """Send `quote` to `to`: it becomes sent (number, valid-until, language: `mark_sent`), its
    PDF is stored as a document on the deal and attached to the e-mail, and the e-mail is
    logged as a done activity on the deal. Returns the sent quote."""
    if services.needs_approval(quote):
        raise services.RuleError(
            _("This quote has lines under the minimum margin: a manager must approve it first."),
            code="needs_approval",
        )
    quote = services.mark_sent(quote, user=user, today=today)
    pdf = render_quote_pdf(quote)
    filename = pdf_filename(quote)
    document = activity_services.add_document(
        quote.opportunity,
        SimpleUploadedFile(filename, pdf, content_type="application/pdf"),
        user=user,
    )
    stored = document.file.name
    try:
        quote.document = document
        quote.save(update_fields=["document", "updated_at"])
        activity = Activity(
            type=_email_type(),
            subject=subject[:200],
            notes=_("To: %(to)s") % {"to": to} + "\n\n" + message,
            start=timezone.now(),
            owner=user,
            account=quote.opportunity.account,
            contact=quote.contact,
            opportunity=quote.opportunity,
        )
        activity_services.save_activity(activity, user=user, is_done=True)
        email = EmailMessage(
            subject=subject,
            body=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            reply_to=[user.email] if user.email else None,
        )
        email.attach(filename, pdf, "application/pdf")
        email.send()
    except BaseException:
        document.file.storage.delete(stored)
        raise
    return quote
