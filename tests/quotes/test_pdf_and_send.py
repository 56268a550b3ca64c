"""The quote's PDF (its text and figures, in the contact's language) and sending it by e-mail:
logged as an activity and a document on the deal, the sent PDF served as it was sent."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from activities.models import Activity, Document
from quotes import services
from quotes.models import Quote, QuoteSettings

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _send(client, quote, **data):
    return client.post(
        reverse("quotes:send", args=[quote.pk]),
        {"to": "eva@example.com", "subject": "Our quote", "message": "Here it is.", **data},
    )


def test_pdf_answers_200_application_pdf_to_anyone_who_sees_the_deal(
    client_for, other_salesperson, draft
):
    response = client_for(other_salesperson).get(reverse("quotes:pdf", args=[draft.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_pdf_text_has_the_lines_and_totals(client_for, salesperson, draft):
    QuoteSettings.objects.update_or_create(
        pk=1, defaults={"company_name": "Pipeline Demo AB", "company_details": "Storgatan 1"}
    )
    draft.introduction = "Thank you for your interest."
    draft.save()
    text = pdf_text(client_for(salesperson).get(reverse("quotes:pdf", args=[draft.pk])).content)
    assert "Pipeline Demo AB" in text and "Storgatan 1" in text
    assert "Thank you for your interest." in text
    for line in draft.lines.all():
        assert line.label in text
    assert "2,700.00" in text  # 2 × 1,500.00 less 10 %
    assert "299.97" in text  # 3 × 99.99
    assert "2,999.97" in text  # the total without VAT
    assert "749.99" in text  # 25 % VAT of 2,999.97 = 749.9925
    assert "3,749.96" in text  # with VAT
    assert draft.gross_amount == Decimal("3749.96")


def test_pdf_is_in_the_contacts_language_and_its_number_format(client_for, salesperson, draft):
    draft.contact.language = "sv"
    draft.contact.save()
    text = pdf_text(client_for(salesperson).get(reverse("quotes:pdf", args=[draft.pk])).content)
    assert "Offert" in text or "Quote" in text  # the title, translated once the lead does
    assert "2\u00a0999,97" in text or "2 999,97" in text
    assert "2,999.97" not in text


def test_pdf_without_vat_shows_the_total_only(client_for, salesperson, deal):
    QuoteSettings.objects.update_or_create(pk=1, defaults={"uses_vat": False})
    quote = services.create_quote(deal, user=salesperson)
    text = pdf_text(client_for(salesperson).get(reverse("quotes:pdf", args=[quote.pk])).content)
    assert "VAT" not in text
    assert "2,999.97" in text


def test_send_mails_the_pdf_logs_an_activity_and_a_document(client_for, salesperson, draft):
    response = _send(client_for(salesperson), draft)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Quote.Status.SENT
    assert draft.number
    [message] = mail.outbox
    assert message.to == ["eva@example.com"]
    assert message.subject == "Our quote"
    [(filename, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf"
    assert draft.number in filename
    assert draft.number in pdf_text(content)
    document = Document.objects.get(opportunity=draft.opportunity)
    assert draft.document == document
    assert document.content_type == "application/pdf"
    activity = Activity.objects.get(opportunity=draft.opportunity)
    assert activity.is_done and activity.type.kind == "email"
    assert activity.subject == "Our quote"
    assert "eva@example.com" in activity.notes


def test_the_sent_pdf_is_served_as_sent(client_for, salesperson, draft):
    client = client_for(salesperson)
    _send(client, draft)
    draft.refresh_from_db()
    sent = mail.outbox[0].attachments[0][1]
    # Later changes to the company's details do not change what was sent.
    QuoteSettings.objects.update_or_create(pk=1, defaults={"company_name": "Renamed AB"})
    response = client.get(reverse("quotes:pdf", args=[draft.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == sent
    document = client.get(reverse("activities:document_download", args=[draft.document_id]))
    assert b"".join(document.streaming_content) == sent


def test_send_form_offers_the_contacts_address(client_for, salesperson, draft):
    html = client_for(salesperson).get(reverse("quotes:send", args=[draft.pk])).content.decode()
    assert draft.contact.email in html


def test_a_bad_address_sends_nothing(client_for, salesperson, draft):
    response = _send(client_for(salesperson), draft, to="not an address")
    assert response.status_code == 200
    assert "not an address" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Quote.Status.DRAFT and draft.number == ""
    assert mail.outbox == []
    assert not Document.objects.exists()


def test_a_failing_mail_server_leaves_the_quote_a_draft(
    client_for, salesperson, draft, settings, media_files
):
    settings.EMAIL_BACKEND = "tests.quotes.test_pdf_and_send.RefusingBackend"
    response = _send(client_for(salesperson), draft)
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Quote.Status.DRAFT and draft.number == ""
    assert not Document.objects.exists()
    assert not Activity.objects.exists()
    assert media_files() == []


def test_a_sent_quote_is_not_sent_again(client_for, salesperson, draft):
    client = client_for(salesperson)
    _send(client, draft)
    response = _send(client, draft)
    assert response.status_code == 302
    assert len(mail.outbox) == 1


@pytest.fixture
def media_files(_media):
    def files():
        return [path for path in _media.rglob("*") if path.is_file()]

    return files


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused")
