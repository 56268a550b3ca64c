"""Role fixtures, like healthchecks' Alice/Bob/Charlie: one user per role of DESIGN.md."""

import logging

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation

from pipeline_crm.roles import SALES_MANAGER, SALESPERSON

from .factories import UserFactory


def pytest_configure(config):
    from django.conf import settings

    # Tests talk plain HTTP and read static files from the finders (no collectstatic manifest).
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background jobs run at once, inside the request that starts them: no worker needed.
    # Tests of the worker itself switch to the database backend (tests/jobs/).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _english():
    """Each test starts in English: a request in another language leaves it active in the
    thread (LocaleMiddleware activates, nothing deactivates), and messages built outside a
    request would follow it."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, as a fresh process does: a fragment one test
    cached must not be served to the next."""
    cache.clear()


@pytest.fixture
def quiet_request_log():
    """The request log silenced: the 4xx and 5xx a sweep provokes would bury the report."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def _user(username: str, group: str | None = None, **extra):
    user = UserFactory(username=username, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def salesperson(db):
    """Alice: a salesperson, the owner of the deals in most tests."""
    return _user("alice", SALESPERSON, first_name="Alice", last_name="Andersson")


@pytest.fixture
def co_responsible(db):
    """Bob: a salesperson sharing responsibility for Alice's deals where a test says so."""
    return _user("bob", SALESPERSON, first_name="Bob", last_name="Berg")


@pytest.fixture
def other_salesperson(db):
    """Charlie: a salesperson with no part in Alice's deals."""
    return _user("charlie", SALESPERSON, first_name="Charlie", last_name="Carlsson")


@pytest.fixture
def groupless_user(db):
    """A user made with create_user: no group, no profile; has the salesperson's rights."""
    return _user("dora")


@pytest.fixture
def manager(db):
    return _user("magnus", SALES_MANAGER, first_name="Magnus", last_name="Manager")


@pytest.fixture
def admin_user(db):
    return _user("astrid", is_staff=True, is_superuser=True, first_name="Astrid")


@pytest.fixture
def client_for(client):
    """Log the test client in as `user` and return it."""

    def login(user):
        client.force_login(user)
        return client

    return login
