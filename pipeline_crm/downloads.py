"""A stored file served to the browser (a document, a sent quote's PDF): the headers that
keep it inert, whoever uploaded it."""

from django.http import HttpResponse


def sandboxed(response: HttpResponse) -> HttpResponse:
    """`response` with its content type taken as given (never sniffed), kept out of shared
    caches, and opened, if at all, as a sandboxed page that loads and runs nothing."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
