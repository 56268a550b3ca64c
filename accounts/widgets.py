from django import forms
from django.urls import reverse

from pipeline_crm.bounds import parse_id


class AccountSelect(forms.Select):
    """An account select that holds a first page of accounts and finds the others by name.

    A CRM at 100,000 deals has thousands of accounts: listing every one made each deal,
    contact and activity form a 250 KB page taking 200 ms to render. This select holds the
    chosen account and the first `limit` accounts by name; the search box above it asks the
    server for the accounts whose name contains what is typed (htmx, `accounts:options`) and
    replaces the options, keeping the chosen one.
    """

    template_name = "accounts/widgets/account_select.html"
    limit = 50

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = reverse("accounts:options")
        return context

    def optgroups(self, name, value, attrs=None):
        choices = self.choices
        queryset = getattr(choices, "queryset", None)
        if queryset is None:
            return super().optgroups(name, value, attrs)
        chosen = [pk for pk in map(parse_id, value) if pk is not None]
        accounts = list(queryset.order_by("name", "pk")[: self.limit])
        shown = {account.pk for account in accounts}
        if chosen:
            accounts = [a for a in queryset.filter(pk__in=chosen) if a.pk not in shown] + accounts
        empty = [("", choices.field.empty_label)] if choices.field.empty_label is not None else []
        self.choices = empty + [choices.choice(account) for account in accounts]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = choices
