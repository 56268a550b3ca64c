"""A full disk: writes that fail leave nothing behind, and the user is told why.

Three places write files a user sends or asks for: the upload's temporary file (Django's
upload handler, past FILE_UPLOAD_MAX_MEMORY_SIZE), the media storage (documents, import files
waiting for their job, export files) and the XLSX export's spool. When the disk is full each
of them removes what it had written at once (not when the worker process exits) and says
“storage is full”: a form error where there is a form, else a 507 page naming what failed.
"""

import errno
import os

from django import forms
from django.core.files import storage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
STORAGE_FULL = _(
    "The server's storage is full, so the file was not saved. Try again later, or ask an "
    "administrator to free some space."
)


def is_storage_full(error: BaseException | None) -> bool:
    """Whether `error`, or the error it was raised from (libraries wrap it), says the disk
    (or the user's quota) is full."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in FULL_ERRNOS:
            return True
        error = error.__cause__ or error.__context__
    return False


class StorageFull(Exception):
    """A write failed on a full disk; `message` says what could not be written."""

    def __init__(self, message=STORAGE_FULL):
        self.message = message
        super().__init__(str(message))


class FileSystemStorage(storage.FileSystemStorage):
    """Django's file system storage, except that a failed write removes its partial file.

    Django's `_save` creates the file and then writes it; a full disk left a 0-byte file that
    no row names. Content is always streamed (also an upload's temporary file, which Django
    would move): a move across file systems is a copy that can fail half way too.
    """

    def _save(self, name: str, content) -> str:
        full_path = self.path(name)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        while True:
            try:
                fd = os.open(full_path, flags, 0o666)
            except FileExistsError:
                name = self.get_available_name(name)
                full_path = self.path(name)
                continue
            break
        try:
            with os.fdopen(fd, "wb") as handle:
                self._write(handle, content)
        except BaseException as error:
            os.remove(full_path)
            if is_storage_full(error):
                raise StorageFull() from error
            raise
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return str(name).replace("\\", "/")

    def _write(self, handle, content) -> None:
        for chunk in content.chunks():  # from the start: File.chunks() seeks to 0
            handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())


class UnsavedUpload(UploadedFile):
    """What a form gets for an upload whose temporary file could not be written: a file with
    no content, marked so that `UploadField` says why."""

    storage_full = True

    def __init__(self, name: str, content_type: str | None):
        super().__init__(None, name, content_type, 0)


class UploadTemporaryFileHandler(TemporaryFileUploadHandler):
    """Django's temporary-file upload handler, except on a full disk: the partial temporary
    file is removed at once (Django kept it open, filling the disk, until the process exited)
    and the rest of the upload is read past, so the form can say that storage is full."""

    def new_file(self, *args, **kwargs):
        self.failed = False
        self.file = None
        try:
            super().new_file(*args, **kwargs)
        except OSError as error:  # not even an empty file could be made
            if not is_storage_full(error):
                raise
            self.failed = True

    def receive_data_chunk(self, raw_data, start):
        if self.failed:
            return None
        try:
            self.file.write(raw_data)
        except OSError as error:
            if not is_storage_full(error):
                raise
            self.failed = True
            self.discard()
        return None

    def discard(self) -> None:
        """Close and remove the temporary file; closing flushes, which may fail again."""
        if self.file is None:
            return
        path = self.file.temporary_file_path()
        try:
            self.file.close()
        except OSError:
            pass
        try:
            os.remove(path)
        except FileNotFoundError:
            pass

    def file_complete(self, file_size):
        if self.failed:
            return UnsavedUpload(self.file_name, self.content_type)
        return super().file_complete(file_size)


class UploadField(forms.FileField):
    """A file field that says “storage is full” for an upload that could not be written."""

    def to_python(self, data):
        if getattr(data, "storage_full", False):
            raise forms.ValidationError(STORAGE_FULL, code="storage_full")
        return super().to_python(data)


def full_disk_message(error: BaseException) -> str | None:
    """What a user is told about `error` if it is a full disk (`StorageFull` says what could
    not be written), else None: the 507 page's message and a failed job's (jobs.services)."""
    if isinstance(error, StorageFull):
        return str(error.message)
    if is_storage_full(error):
        return str(STORAGE_FULL)
    return None


def storage_full_response(request, error: StorageFull):
    """The page a request gets when what it asked for could not be written (507)."""
    return render(request, "storage_full.html", {"message": error.message}, status=507)


class StorageFullMiddleware:
    """A full disk that no form reports is a page that says so, not a generic 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        message = full_disk_message(exception)
        if message is None:
            return None
        return storage_full_response(request, StorageFull(message))
