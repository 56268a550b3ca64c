"""What counts as an allowed document: judged by content, the name only has to agree."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from activities.uploads import (
    CSV,
    DOCX,
    GIF,
    JPEG,
    PDF,
    PNG,
    PPTX,
    TEXT,
    XLSX,
    display_name,
    inspect_upload,
)

PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32
GIF_BYTES = b"GIF89a" + b"\x00" * 32
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HTML_BYTES = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def office(part: str, *, content_types: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<xml/>")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("offer.pdf", PDF_BYTES, PDF),
        ("logo.png", PNG_BYTES, PNG),
        ("photo.jpg", JPEG_BYTES, JPEG),
        ("photo.JPEG", JPEG_BYTES, JPEG),
        ("anim.gif", GIF_BYTES, GIF),
        ("contract.docx", office("word/document.xml"), DOCX),
        ("budget.xlsx", office("xl/workbook.xml"), XLSX),
        ("pitch.pptx", office("ppt/presentation.xml"), PPTX),
        ("notes.txt", "Möte med Une Amundsen\n".encode(), TEXT),
        ("prices.csv", b"product;price\nLicence;10000\n", CSV),
    ],
)
def test_allowed_kinds_are_recognised_by_content(name, data, kind):
    assert inspect_upload(upload(name, data), name) == kind


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("offer.pdf", HTML_BYTES, "extension"),  # an HTML page named .pdf
        ("offer.pdf", EXE_BYTES, "type"),  # an executable named .pdf
        ("setup.exe", EXE_BYTES, "type"),
        ("page.html", HTML_BYTES, "extension"),
        ("offer.pdf", PNG_BYTES, "extension"),
        ("archive.docx", office("word/document.xml", content_types=False), "type"),
        ("archive.zip", office("word/document.xml"), "extension"),
        ("latin1.txt", "Göteborg".encode("latin-1"), "type"),
        ("nul.txt", b"text\x00more", "type"),
        ("passwd", b"root:x:0:0:root:/root:/bin/bash\n", "extension"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_hostile_or_unknown_files_are_refused(name, data, code):
    with pytest.raises(ValidationError) as refused:
        inspect_upload(upload(name, data), name)
    assert refused.value.code == code


def test_size_limit_comes_from_the_setting(settings):
    settings.DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        inspect_upload(upload("notes.txt", b"x" * 11), "notes.txt")
    assert refused.value.code == "too_large"
    assert inspect_upload(upload("notes.txt", b"x" * 10), "notes.txt") == TEXT


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/abs/path/Offert 2026.pdf", "Offert_2026.pdf"),
        ("Möte <script>.txt", "Möte_script.txt"),
        ("..", "document"),
        ("", "document"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_display_names_cannot_carry_paths(raw, shown):
    assert display_name(raw) == shown
