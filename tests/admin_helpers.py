"""Post the Django admin's own forms as a browser would: read the page, change some values."""

from django.urls import reverse

from .security.html_forms import main_form


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def form_data(client, url: str, **kwargs) -> dict:
    """The values of the admin page's form at `url` as a browser would post them."""
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    form = main_form(response.text, url)
    assert form is not None, f"no form posting to {url}"
    return form.data()


def post_change(client, obj, changes: dict | None = None, *, drop=(), **kwargs):
    """Load `obj`'s admin change page, apply `changes` to its form and post it back."""
    url = change_url(obj)
    data = form_data(client, url, **kwargs)
    data.update(changes or {})
    for name in drop:
        data.pop(name, None)
    return client.post(url, data, **kwargs)


def form_errors(response) -> dict:
    """The errors of the admin form a refused post shows again (200)."""
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}
