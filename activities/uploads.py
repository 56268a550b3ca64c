"""What an uploaded document is, judged by its content and not only by its name.

A file is accepted when its first bytes say PDF, PNG, JPEG or GIF, when it is a ZIP holding
`[Content_Types].xml` with a Word, Excel or PowerPoint part (docx, xlsx, pptx), or when all of
it decodes as UTF-8 without NUL bytes (plain text, CSV); and when the extension of its name
agrees with that content. Anything else is refused before it is stored.
"""

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

MAX_NAME_LENGTH = 200
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]  # the first is the one stored files get

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileKind("application/pdf", (".pdf",))
PNG = FileKind("image/png", (".png",))
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"))
GIF = FileKind("image/gif", (".gif",))
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PPTX = FileKind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)
)
TEXT = FileKind("text/plain", (".txt",))
CSV = FileKind("text/csv", (".csv",))

ALLOWED = (PDF, PNG, JPEG, GIF, DOCX, XLSX, PPTX, TEXT, CSV)
ALLOWED_EXTENSIONS = tuple(ext for kind in ALLOWED for ext in kind.extensions)

_MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
_OFFICE_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))


def display_name(raw: str) -> str:
    """The uploader's file name made harmless: no directories, only safe characters.

    It is only ever shown and offered as the download name, never used as a storage path.
    """
    base = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    try:
        name = get_valid_filename(base)
    except SuspiciousFileOperation:
        name = ""
    if not name.strip("."):
        return "document"
    if len(name) > MAX_NAME_LENGTH:
        suffix = PurePosixPath(name).suffix[:20]
        name = name[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return name


def _office_kind(upload) -> FileKind | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in _OFFICE_PARTS:
        if any(name.startswith(prefix) for name in names):
            return kind
    return None


def _is_text(upload) -> bool:
    """Every byte decodes as UTF-8 and none is NUL (read in chunks, never all at once)."""
    upload.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in upload.chunks(CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect(upload) -> tuple[FileKind, ...]:
    """The kinds the content of `upload` may be: one for binary types, text or CSV for text."""
    upload.seek(0)
    head = upload.read(16)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return (kind,)
    if head.startswith(b"PK\x03\x04"):
        kind = _office_kind(upload)
        return (kind,) if kind else ()
    if _is_text(upload):
        return (TEXT, CSV)
    return ()


def inspect_upload(upload, name: str) -> FileKind:
    """The kind of `upload` (shown as `name`); ValidationError when it may not be stored.

    Refused: empty files, files over settings.DOCUMENT_MAX_BYTES, content of no allowed type,
    and a name whose extension disagrees with the content (an HTML page named .pdf).
    """
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s."),
            code="too_large",
            params={"limit": filesizeformat(limit)},
        )
    if not upload.size:
        raise ValidationError(_("The file is empty."), code="empty")
    kinds = detect(upload)
    upload.seek(0)
    if not kinds:
        raise ValidationError(
            _(
                "This kind of file cannot be stored. Allowed are PDF, PNG, JPEG, GIF, Word, "
                "Excel, PowerPoint, plain text and CSV files."
            ),
            code="type",
        )
    extension = PurePosixPath(name).suffix.lower()
    for kind in kinds:
        if extension in kind.extensions:
            return kind
    raise ValidationError(
        _("The file's name (%(extension)s) does not match its content (%(expected)s)."),
        code="extension",
        params={
            "extension": extension or _("no extension"),
            "expected": " / ".join(ext for kind in kinds for ext in kind.extensions),
        },
    )
