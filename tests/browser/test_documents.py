"""Upload a document to a deal and download it again, through the permission-checked views."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from activities.models import Document
from tests.factories import DocumentFactory, OpportunityFactory

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups(activity_types=True)


PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _needs_tag(template: str, tag: str):
    source = (Path(settings.BASE_DIR) / "templates" / template).read_text()
    if tag not in source:
        pytest.skip(f"waiting for the lead to add {{% {tag} %}} to {template}")


def test_upload_and_download_a_document_on_a_deal(page, live_server, login, salesperson, tmp_path):
    _needs_tag("opportunities/opportunity_detail.html", "documents_for")
    deal = OpportunityFactory(owner=salesperson)
    offer = tmp_path / "Offert Pilot.pdf"
    offer.write_bytes(PDF)
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}{deal.get_absolute_url()}", "deal-documents-before")

    panel = page.locator(f"#documents-opportunity-{deal.pk}")
    panel.locator("input[type=file]").set_input_files(str(offer))
    panel.get_by_role("button", name="Upload").click()
    expect(page.locator(f"#documents-opportunity-{deal.pk}")).to_contain_text("Offert_Pilot.pdf")
    screenshot(page, "deal-documents-after")
    document = Document.objects.get()
    assert document.opportunity == deal and document.uploaded_by == salesperson

    with page.expect_download() as info:
        page.get_by_role("link", name="Offert_Pilot.pdf").click()
    download = info.value
    assert download.suggested_filename == "Offert_Pilot.pdf"
    assert Path(download.path()).read_bytes() == PDF


def test_a_hostile_upload_is_refused_in_the_panel(page, live_server, login, salesperson, tmp_path):
    _needs_tag("opportunities/opportunity_detail.html", "documents_for")
    deal = OpportunityFactory(owner=salesperson)
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}{deal.get_absolute_url()}", "deal-documents-refused")
    panel = page.locator(f"#documents-opportunity-{deal.pk}")
    panel.locator("input[type=file]").set_input_files(str(fake))
    panel.get_by_role("button", name="Upload").click()
    expect(page.locator(f"#documents-opportunity-{deal.pk} .errorlist")).to_contain_text(
        "does not match its content"
    )
    assert not Document.objects.exists()


def test_download_is_an_attachment_for_logged_in_users_only(
    page, live_server, login, other_salesperson, salesperson
):
    deal = OpportunityFactory(owner=salesperson)
    document = DocumentFactory(account=None, opportunity=deal, original_name="Quote.txt")
    url = f"{live_server.url}/activities/documents/{document.pk}/"

    anonymous = page.request.get(url, max_redirects=0)
    assert anonymous.status == 302 and "/login/" in anonymous.headers["location"]

    login(page, live_server, other_salesperson)  # everyone may read a deal's documents
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="Quote.txt"')
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "text/plain"
    assert response.body() == b"Meeting notes\n"
