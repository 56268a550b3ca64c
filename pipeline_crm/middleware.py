"""What every request and response shares: which proxy's headers to believe, and that no
page or export of a signed-in user is kept in a cache."""

import ipaddress
from functools import cache

from django.conf import settings
from django.utils.cache import patch_cache_control

# Set by the proxy in front (Caddy in docker-compose.yml); from anyone else they are a lie.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


@cache
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_proxy(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxyMiddleware:
    """Believes the X-Forwarded-* headers only from `TRUSTED_PROXIES` (DJANGO_TRUSTED_PROXIES).

    Django's SECURE_PROXY_SSL_HEADER believes X-Forwarded-Proto from anyone: with gunicorn
    reachable directly, a client sending `X-Forwarded-Proto: https` skipped the HTTPS
    redirect. From any address but a configured proxy the forwarded headers are dropped
    before SecurityMiddleware reads them (settings sets SECURE_PROXY_SSL_HEADER only when a
    proxy is configured at all). From the proxy, the client's address (the rightmost
    X-Forwarded-For entry that is not a proxy) becomes REMOTE_ADDR: the login limits count
    each client, not the proxy that all of them come through.

    Must come first in MIDDLEWARE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        networks = _networks(tuple(settings.TRUSTED_PROXIES))
        if networks and _is_proxy(meta.get("REMOTE_ADDR", ""), networks):
            chain = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            for address in reversed([a for a in chain if a]):
                if not _is_proxy(address, networks):
                    try:
                        meta["REMOTE_ADDR"] = str(ipaddress.ip_address(address))
                    except ValueError:
                        pass  # garbage the proxy passed on: keep the proxy's own address
                    break
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every page, export and download Django serves.

    A signed-in user's pages and files hold customer data: neither a shared cache nor the
    browser (a shared computer, the back button after logging out) may keep them. Static
    files never get here (WhiteNoise answers them first, with long cache lifetimes). The one
    exception: a response to a request without a session whose view chose a private cache
    lifetime itself (the token-addressed calendar feed, which calendar apps poll).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        own = response.get("Cache-Control", "")
        if signed_in or "private" not in own:
            patch_cache_control(response, no_store=True, private=True)
        return response
