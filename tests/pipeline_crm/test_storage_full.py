"""A full disk: uploads and exports say “storage is full”, keep no orphan file in media
storage and no temporary file on disk. The disk is made full by a storage, a temporary upload
file and an export spool that raise OSError(ENOSPC) after writing a little."""

import errno
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities.models import Document
from pipeline_crm import storage
from pipeline_crm.exports import export_rows
from pipeline_crm.storage import StorageFull

from ..factories import AccountFactory

pytestmark = pytest.mark.django_db

TEXT = b"Meeting notes\n" * 1000


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


class FullDiskStorage(storage.FileSystemStorage):
    """The media storage on a disk that fills up after the first chunk."""

    def _write(self, handle, content):
        handle.write(b"partial")
        handle.flush()
        raise disk_full()


class FullDiskFile:
    """A temporary file on a disk that fills up after the first few bytes."""

    made: list[str] = []

    def __init__(self, *args, **kwargs):
        self.file = tempfile.NamedTemporaryFile(*args, **kwargs)  # noqa: SIM115
        self.name = self.file.name
        FullDiskFile.made.append(self.name)

    def write(self, data):
        self.file.write(data[:10])
        self.file.flush()
        raise disk_full()

    def __getattr__(self, name):
        return getattr(self.file, name)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def full_media(settings, media_root):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDiskStorage"},
    }
    return media_root


@pytest.fixture
def full_temp(settings, monkeypatch):
    """Every upload goes to a temporary file, on a full disk."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    FullDiskFile.made = []
    monkeypatch.setattr("django.core.files.uploadedfile.tempfile.NamedTemporaryFile", FullDiskFile)
    return FullDiskFile.made


def _upload_document(client, account):
    url = reverse("activities:document_upload", args=["account", account.pk])
    return client.post(url, {"file": SimpleUploadedFile("notes.txt", TEXT)}, HTTP_HX_REQUEST="true")


def test_a_document_on_a_full_media_disk_is_refused_without_an_orphan(
    client_for, salesperson, full_media
):
    response = _upload_document(client_for(salesperson), AccountFactory())
    assert response.status_code == 200
    assert "The server&#x27;s storage is full" in response.text
    assert not Document.objects.exists()
    assert _files(full_media) == []


def test_an_upload_on_a_full_temp_disk_removes_its_temporary_file(
    client_for, salesperson, media_root, full_temp
):
    response = _upload_document(client_for(salesperson), AccountFactory())
    assert response.status_code == 200
    assert "The server&#x27;s storage is full" in response.text
    assert full_temp and not [name for name in full_temp if Path(name).exists()]
    assert not Document.objects.exists()
    assert _files(media_root) == []


def test_an_import_on_a_full_temp_disk_says_so_on_the_form(client_for, manager, full_temp):
    upload = SimpleUploadedFile("accounts.csv", b"Name\r\nAcme AB\r\n")
    response = client_for(manager).post(reverse("accounts:import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].has_error("file", "storage_full")
    assert not [name for name in full_temp if Path(name).exists()]


def test_the_storage_removes_a_partial_file(full_media):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    with pytest.raises(StorageFull):
        default_storage.save("documents/a.txt", ContentFile(TEXT))
    assert _files(full_media) == []


def test_an_xlsx_export_on_a_full_disk_says_why_and_leaves_no_file(
    client_for, salesperson, monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def full_spool(*args, **kwargs):
        return FullDiskFile(*args, dir=tmp_path)

    monkeypatch.setattr("pipeline_crm.exports.tempfile.TemporaryFile", full_spool)
    AccountFactory()
    response = client_for(salesperson).get(reverse("accounts:list"), {"export": "xlsx"})
    assert response.status_code == 507
    assert "The Excel file could not be written because the server" in response.text
    assert "CSV" in response.text
    assert _files(tmp_path) == []


def test_the_export_spool_is_removed_when_the_disk_fills(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rows = [("Name",), *((f"Row {n}",) for n in range(100))]

    def failing_rows():
        yield from rows
        raise disk_full()

    with pytest.raises(StorageFull):
        export_rows(failing_rows(), "xlsx", "accounts")
    assert list(tmp_path.iterdir()) == []


def test_an_upload_whose_temporary_file_cannot_even_be_made_says_so(
    client_for, manager, settings, monkeypatch
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0

    def no_file(*args, **kwargs):
        raise disk_full()

    monkeypatch.setattr("django.core.files.uploadedfile.tempfile.NamedTemporaryFile", no_file)
    upload = SimpleUploadedFile("accounts.csv", b"Name\r\nAcme AB\r\n")
    response = client_for(manager).post(reverse("accounts:import"), {"file": upload})
    assert response.context["form"].has_error("file", "storage_full")
