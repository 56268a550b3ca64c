from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account
from activities.models import Document
from activities.services import add_document

from ..factories import AccountFactory, DocumentFactory, OpportunityFactory
from .test_uploads import EXE_BYTES, HTML_BYTES, PDF_BYTES

pytestmark = pytest.mark.django_db


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(client, target, name: str, data: bytes, **extra):
    kind = "opportunity" if target.__class__.__name__ == "Opportunity" else "account"
    url = reverse("activities:document_upload", args=[kind, target.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, **extra)


def test_upload_a_pdf_to_an_account(client_for, salesperson, media_root):
    account = AccountFactory()
    response = _upload(client_for(salesperson), account, "Offert 2026.pdf", PDF_BYTES)
    assert response.status_code == 302 and response["Location"] == account.get_absolute_url()
    document = Document.objects.get()
    assert document.account == account and document.opportunity is None
    assert document.original_name == "Offert_2026.pdf"
    assert document.size == len(PDF_BYTES)
    assert document.content_type == "application/pdf"
    assert document.uploaded_by == salesperson
    stored = Path(document.file.path)
    assert stored.is_relative_to(media_root / "documents")
    assert stored.suffix == ".pdf" and "Offert" not in stored.name
    assert stored.read_bytes() == PDF_BYTES
    record = document.history.get()
    assert record.history_type == "+" and record.history_user == salesperson


def test_upload_with_htmx_returns_the_panel(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    response = _upload(
        client_for(salesperson), deal, "notes.txt", b"Short list\n", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="documents-opportunity-{deal.pk}"' in response.text
    assert "notes.txt" in response.text


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("offer.pdf", HTML_BYTES),  # HTML pretending to be a PDF
        ("offer.pdf", EXE_BYTES),  # an executable pretending to be a PDF
        ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"),  # no allowed extension
    ],
)
def test_hostile_uploads_leave_no_row_and_no_file(client_for, salesperson, media_root, name, data):
    account = AccountFactory()
    response = _upload(client_for(salesperson), account, name, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "errorlist" in response.text
    assert not Document.objects.exists()
    assert _files(media_root) == []


def test_a_path_in_the_name_never_reaches_storage(salesperson, media_root):
    account = AccountFactory()
    hostile = SimpleUploadedFile("x.txt", b"root:x:0:0\n")
    hostile.name = "../../etc/passwd.txt"  # as a crafted multipart request could send it
    document = add_document(account, hostile, user=salesperson)
    assert document.original_name == "passwd.txt"
    assert document.file.name.startswith("documents/") and ".." not in document.file.name
    assert all(p.is_relative_to(media_root) for p in _files(media_root))


def test_oversize_upload_is_refused(client_for, salesperson, settings, media_root):
    settings.DOCUMENT_MAX_BYTES = 100
    account = AccountFactory()
    response = _upload(client_for(salesperson), account, "big.txt", b"x" * 101)
    assert response.status_code == 302
    assert not Document.objects.exists() and _files(media_root) == []


def test_a_failed_save_deletes_the_stored_file(salesperson, media_root):
    unsaved = Account(name="Not saved")  # the row cannot be written: no account row
    with pytest.raises(ValueError):
        add_document(unsaved, SimpleUploadedFile("a.pdf", PDF_BYTES), user=salesperson)
    assert not Document.objects.exists() and _files(media_root) == []


def test_refused_upload_raises_before_storing(salesperson, media_root):
    with pytest.raises(ValidationError):
        add_document(AccountFactory(), SimpleUploadedFile("a.pdf", HTML_BYTES), user=salesperson)
    assert _files(media_root) == []


def test_download_is_an_attachment_with_the_checked_type(client_for, other_salesperson):
    document = DocumentFactory(original_name="Möte anteckningar.txt")
    response = client_for(other_salesperson).get(
        reverse("activities:document_download", args=[document.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "M%C3%B6te" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"Meeting notes\n"


def test_everyone_downloads_deal_documents(client_for, salesperson, other_salesperson):
    deal = OpportunityFactory(owner=salesperson)
    document = DocumentFactory(account=None, opportunity=deal)
    url = reverse("activities:document_download", args=[document.pk])
    assert client_for(other_salesperson).get(url).status_code == 200


def test_download_needs_login(client):
    document = DocumentFactory()
    response = client.get(reverse("activities:document_download", args=[document.pk]))
    assert response.status_code == 302


def test_missing_file_is_404(client_for, salesperson):
    document = DocumentFactory()
    document.file.storage.delete(document.file.name)
    url = reverse("activities:document_download", args=[document.pk])
    assert client_for(salesperson).get(url).status_code == 404


def test_outsider_cannot_upload_to_a_deal(client_for, salesperson, other_salesperson, media_root):
    deal = OpportunityFactory(owner=salesperson)
    response = _upload(client_for(other_salesperson), deal, "a.pdf", PDF_BYTES)
    assert response.status_code == 403
    assert not Document.objects.exists() and _files(media_root) == []


def test_co_responsible_uploads_to_the_deal(client_for, salesperson, co_responsible):
    deal = OpportunityFactory(owner=salesperson)
    deal.co_responsible.add(co_responsible)
    assert _upload(client_for(co_responsible), deal, "a.pdf", PDF_BYTES).status_code == 302
    assert Document.objects.get().opportunity == deal


def test_anyone_uploads_to_an_account(client_for, other_salesperson):
    account = AccountFactory()
    assert _upload(client_for(other_salesperson), account, "a.pdf", PDF_BYTES).status_code == 302


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_cannot_delete_a_deal_document(client_for, salesperson, other_salesperson, method):
    deal = OpportunityFactory(owner=salesperson)
    document = DocumentFactory(account=None, opportunity=deal, uploaded_by=other_salesperson)
    url = reverse("activities:document_delete", args=[document.pk])
    assert getattr(client_for(other_salesperson), method)(url).status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()


def test_only_uploader_or_manager_deletes_an_account_document(
    client_for, salesperson, other_salesperson, manager
):
    document = DocumentFactory(uploaded_by=salesperson)
    url = reverse("activities:document_delete", args=[document.pk])
    assert client_for(other_salesperson).post(url).status_code == 403
    assert client_for(manager).get(url).status_code == 200
    other = DocumentFactory(uploaded_by=other_salesperson)
    assert (
        client_for(manager).post(reverse("activities:document_delete", args=[other.pk])).status_code
        == 302
    )


def test_delete_keeps_a_history_record_and_removes_the_file_on_commit(
    client_for, salesperson, django_capture_on_commit_callbacks
):
    document = DocumentFactory(uploaded_by=salesperson)
    path = Path(document.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(salesperson).post(
            reverse("activities:document_delete", args=[document.pk])
        )
    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    deleted = Document.history.get(id=document.pk, history_type="-")
    assert deleted.history_user == salesperson
    assert not path.exists()


def test_delete_with_htmx_returns_the_panel(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    document = DocumentFactory(account=None, opportunity=deal, original_name="Old.pdf")
    response = client_for(salesperson).post(
        reverse("activities:document_delete", args=[document.pk]), HTTP_HX_REQUEST="true"
    )
    assert f'id="documents-opportunity-{deal.pk}"' in response.text
    assert "Old.pdf" not in response.text
