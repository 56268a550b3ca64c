"""Response headers every page shares: `Cache-Control: no-store` on every page, export and
download, and the forwarded headers believed from the configured proxy alone
(pipeline_crm/middleware.py)."""

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from activities.services import calendar_token
from forecasting.models import SavedReport
from jobs.models import Job

from ..factories import (
    ActivityFactory,
    ContactFactory,
    DocumentFactory,
    OpportunityFactory,
    QuoteFactory,
    StageFactory,
)
from .environment import read_settings

pytestmark = pytest.mark.django_db

PROXY = "10.9.0.2"


def routes(resolver=None, namespace=""):
    """(namespace, name, pattern) of every named URL, from the resolver: a view added
    tomorrow is covered. The admin is Django's (never_cache on every view) and left out."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                yield from routes(entry, inner)
        elif entry.name:
            yield namespace, entry.name, entry.pattern


@pytest.fixture
def sample(salesperson):
    """One object of each kind a URL names, owned by the salesperson."""
    deal = OpportunityFactory(owner=salesperson)
    saved = SavedReport.objects.create(
        name="Mine", kind=SavedReport.Kind.PIPELINE, owner=salesperson
    )
    return {
        "accounts": deal.account_id,
        "contacts": ContactFactory(account=deal.account).pk,
        "opportunities": deal.pk,
        "activities": ActivityFactory(owner=salesperson, account=deal.account).pk,
        "documents": DocumentFactory(account=deal.account, uploaded_by=salesperson).pk,
        "forecasting": saved.pk,
        "stage_pk": StageFactory().pk,
        "ical": calendar_token(salesperson).token,
        "kind": "account",
        "jobs": Job.objects.create(owner=salesperson, name="Import", runner="x").pk,
        "quotes": QuoteFactory(opportunity=deal).pk,
        "deal_pk": deal.pk,
    }


def url_for(namespace, name, pattern, sample) -> str:
    keys = list(getattr(pattern, "converters", {})) or list(pattern.regex.groupindex)
    kwargs = {}
    for key in keys:
        if key == "pk":
            kind = "documents" if name.startswith("document_") else namespace
            kwargs[key] = sample[kind] if name != "document_upload" else sample["accounts"]
        elif name == "ical":
            kwargs[key] = sample["ical"]
        elif key in sample:
            kwargs[key] = sample[key]
        else:
            kwargs[key] = 999_999 if key.endswith("pk") else "x"  # a missing row: a 404 page
    return reverse(f"{namespace}:{name}" if namespace else name, kwargs=kwargs)


def assert_not_stored(response, url):
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control and "private" in cache_control, (
        url,
        response.status_code,
        cache_control,
    )


def get_and_follow(client, url):
    """The response to `url` and, for a redirect inside the site, the page it leads to."""
    responses = [client.get(url)]
    location = responses[0].get("Location", "")
    if responses[0].status_code in (301, 302) and location.startswith("/"):
        responses.append(client.get(location))
    return responses


def test_every_page_export_and_download_is_not_stored(client, sample, salesperson, manager):
    named = [
        (url_for(*route, sample), bool(route[2].converters or route[2].regex.groupindex))
        for route in routes()
    ]
    assert len(named) > 60
    feed = reverse("activities:ical", kwargs={"token": sample["ical"]})
    pages = 0
    for user in (None, salesperson, manager):
        if user:
            client.force_login(user)
        else:
            client.logout()
        for url, _has_kwargs in named:
            for response in get_and_follow(client, url):
                pages += response.status_code == 200
                if url == feed and user is None:
                    # The token-addressed feed: its view keeps a private cache lifetime for the
                    # calendar apps that poll it; never a shared cache.
                    assert "private" in response["Cache-Control"]
                    continue
                assert_not_stored(response, url)
    assert pages > 100  # signed-in pages were reached, not only redirects to the login
    client.force_login(manager)
    for url in [url for url, has_kwargs in named if not has_kwargs]:
        for fmt in ("csv", "xlsx"):
            for response in get_and_follow(client, f"{url}?export={fmt}"):
                assert_not_stored(response, f"{url}?export={fmt}")


def test_a_document_download_is_not_stored(client_for, salesperson, sample):
    url = reverse("activities:document_download", args=[sample["documents"]])
    response = client_for(salesperson).get(url)
    assert response.status_code == 200
    assert_not_stored(response, url)


def test_an_export_is_not_stored(client_for, manager, sample):
    response = client_for(manager).get(reverse("opportunities:list"), {"export": "csv"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert_not_stored(response, "opportunities export")


def test_static_files_keep_their_cache_lifetime(settings):
    settings.WHITENOISE_USE_FINDERS = True  # read when the (new) client's middleware loads
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- the proxy's headers --------------------------------------------------------------------


@pytest.fixture
def https_only(settings):
    settings.SECURE_SSL_REDIRECT = True


@pytest.fixture
def behind_proxy(settings, https_only):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_without_a_proxy_a_clients_forwarded_proto_skips_no_redirect(client, https_only):
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"


def test_the_proxys_forwarded_proto_is_believed(client, behind_proxy):
    response = client.get(reverse("login"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


def test_a_plain_http_request_through_the_proxy_is_redirected(client, behind_proxy):
    response = client.get(reverse("login"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 301


def test_a_client_beside_the_proxy_cannot_claim_https(client, behind_proxy):
    response = client.get(reverse("login"), REMOTE_ADDR="10.9.0.3", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301


def test_a_proxy_network_may_be_trusted(client, behind_proxy, settings):
    settings.TRUSTED_PROXIES = ["10.9.0.0/29"]
    response = client.get(reverse("login"), REMOTE_ADDR="10.9.0.5", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


def failed_logins(client, count, **headers):
    for n in range(count):
        last = client.post(
            reverse("login"), {"username": "alice", "password": f"wrong-{n}"}, **headers
        )
    return last


def test_behind_the_proxy_the_login_lock_counts_each_client(client, behind_proxy, salesperson):
    through = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_PROTO": "https"}
    locked = failed_logins(client, 5, HTTP_X_FORWARDED_FOR="198.51.100.7", **through)
    assert locked.status_code == 429

    other = Client().post(
        reverse("login"),
        {"username": "alice", "password": "secret-pass-123"},
        HTTP_X_FORWARDED_FOR="203.0.113.8",
        **through,
    )
    assert other.status_code == 302


def test_a_client_cannot_pick_its_address_with_x_forwarded_for(client, salesperson):
    for n in range(5):
        last = client.post(
            reverse("login"),
            {"username": "alice", "password": f"wrong-{n}"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    assert last.status_code == 429


def test_no_proxy_is_believed_unless_one_is_configured():
    result = read_settings({}, "TRUSTED_PROXIES", "SECURE_PROXY_SSL_HEADER", drop=("DJANGO_",))
    assert result.stdout.strip() == "[]|None"


def test_the_configured_proxies_are_believed():
    env = {"DJANGO_TRUSTED_PROXIES": "172.30.0.2, fd00::/8"}
    result = read_settings(env, "TRUSTED_PROXIES", "SECURE_PROXY_SSL_HEADER")
    assert result.stdout.strip() == "['172.30.0.2', 'fd00::/8']|('HTTP_X_FORWARDED_PROTO', 'https')"


def test_a_proxy_that_is_not_an_address_is_a_configuration_error():
    result = read_settings({"DJANGO_TRUSTED_PROXIES": "caddy"}, "TRUSTED_PROXIES")
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES takes IP addresses or networks" in result.stderr
