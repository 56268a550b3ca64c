"""How many passwords an attacker may try, without letting them lock the owner out.

Two limits, both checked before a password is:

- **per user name + address** (django-axes, `AXES_FAILURE_LIMIT` in `AXES_COOLOFF_TIME`): one
  address guessing one account is stopped after a few tries.
- **per account** (`LOGIN_ACCOUNT_FAILURE_LIMIT` checked passwords in `LOGIN_ACCOUNT_WINDOW`,
  from every address together): the axes lock alone let 100 guesses on one account through
  from 25 addresses. Once reached, the account refuses browsers it does not know until its
  oldest failure leaves the window: an attacker gets that many guesses per window, however
  many addresses they have.

A per-account lock is a weapon against the account's owner, so it holds back only browsers
the account does not know. A browser the user signed in with before carries a signed cookie
bound to their current password (`trust_device`); it is limited only by the failures made
with such a cookie, which an attacker without one cannot add to. A user on a new browser
during an attack sets a new password by e-mail: the reset signs them in, and so makes that
browser known. Refused attempts check no password and are not counted, so an attacker cannot
keep an account locked longer by hammering it.

Switched off with `LOGIN_ACCOUNT_FAILURE_LIMIT = 0` (axes alone then).
"""

from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import LoginFailure

DEVICE_COOKIE = "crm_device"
_DEVICE_SALT = "pipeline_crm.login_limits.device"
# Accounts remembered per browser (a shared computer): the most recent ones.
_DEVICES_PER_BROWSER = 5


def _device_token(user_pk: int, password_hash: str) -> str:
    """The token a browser keeps for a user; a new password retires every old token."""
    digest = salted_hmac(_DEVICE_SALT, f"{user_pk}:{password_hash}", algorithm="sha256")
    return f"{user_pk}:{digest.hexdigest()[:32]}"


def _browser_tokens(request) -> list[str]:
    max_age = settings.LOGIN_TRUSTED_DEVICE_DAYS * 86400
    raw = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=_DEVICE_SALT, max_age=max_age)
    return [token for token in raw.split(",") if token]


def is_trusted_device(request, username: str) -> bool:
    """Whether this browser signed in as `username` before, with the current password."""
    tokens = _browser_tokens(request)
    if not tokens:
        return False
    User = get_user_model()
    row = (
        User._default_manager.filter(**{User.USERNAME_FIELD: username})
        .values_list("pk", "password")
        .first()
    )
    return row is not None and _device_token(*row) in tokens


def held_back_until(request, username: str | None, now: datetime | None = None):
    """When the per-account limit lets this browser try `username` again; None if it may now.

    Unknown browsers count every checked failure of the account in the window; known ones
    only those made from known browsers."""
    limit = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    if not limit or not username:
        return None
    now = now or timezone.now()
    window = settings.LOGIN_ACCOUNT_WINDOW
    failures = LoginFailure.objects.filter(username=username, failed_at__gt=now - window)
    # The limit-th most recent failure: the lock lifts when it leaves the window.
    times = list(failures.order_by("-failed_at").values_list("failed_at", flat=True)[:limit])
    if len(times) < limit:
        return None
    if is_trusted_device(request, username):
        trusted = failures.filter(from_trusted_device=True).order_by("-failed_at")
        times = list(trusted.values_list("failed_at", flat=True)[:limit])
        if len(times) < limit:
            return None
    return times[-1] + window


def record_failure(request, username: str, now: datetime | None = None) -> None:
    """Count a checked, wrong password against the account; forget what left the window."""
    now = now or timezone.now()
    LoginFailure.objects.filter(failed_at__lte=now - settings.LOGIN_ACCOUNT_WINDOW).delete()
    LoginFailure.objects.create(
        username=username[:150],
        failed_at=now,
        from_trusted_device=is_trusted_device(request, username),
    )


class LoginLimitHandler(AxesDatabaseHandler):
    """django-axes' database handler (the per user name + address lock) plus the per-account
    limit. `request.crm_login_refused` says which held a login back: "address" or "account"
    (the lockout page explains each)."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            request.crm_login_refused = "address"
            return True
        until = held_back_until(request, get_client_username(request, credentials))
        if until is not None:
            request.crm_login_refused = "account"
            request.crm_login_retry_at = until
            return True
        return False

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None:
            return
        username = get_client_username(request, credentials)
        checked = getattr(request, "crm_login_refused", None) is None
        if checked and username and settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
            # The password was checked and wrong; this failure may reach the account's limit.
            record_failure(request, username)
            until = held_back_until(request, username)
            if until is not None:
                request.crm_login_refused = "account"
                request.crm_login_retry_at = until
        if getattr(request, "crm_login_refused", None) == "account":
            request.axes_locked_out = True
            request.axes_credentials = credentials


@receiver(user_logged_in, dispatch_uid="pipeline_crm.login_limits.trust_device")
def trust_device(sender, request, user, **kwargs) -> None:
    """A successful login (a password reset's too) makes the browser known for that user;
    `TrustedDeviceMiddleware` writes the cookie."""
    if request is not None:
        request.crm_trusted_token = _device_token(user.pk, user.password)


class TrustedDeviceMiddleware:
    """Writes the known-browser cookie after a login: signed, HTTP-only, kept
    `LOGIN_TRUSTED_DEVICE_DAYS` days, the most recent accounts of the browser only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        token = getattr(request, "crm_trusted_token", None)
        if token:
            user_prefix = token.split(":", 1)[0] + ":"
            others = [t for t in _browser_tokens(request) if not t.startswith(user_prefix)]
            response.set_signed_cookie(
                DEVICE_COOKIE,
                ",".join([token, *others][:_DEVICES_PER_BROWSER]),
                salt=_DEVICE_SALT,
                max_age=settings.LOGIN_TRUSTED_DEVICE_DAYS * 86400,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
