from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from opportunities.forms import PricedLineForm
from opportunities.models import LossReason, Product
from pipeline_crm.concurrency import VersionField
from pipeline_crm.numbers import number_formfield

from .models import Quote, QuoteLine


class QuoteForm(forms.ModelForm):
    """A draft's header: whom it is addressed to, the payment terms, the free texts."""

    class Meta:
        model = Quote
        fields = ("contact", "payment_terms", "introduction", "closing_text")
        widgets = {
            "introduction": forms.Textarea(attrs={"rows": 4}),
            "closing_text": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        contact = self.fields["contact"]
        contact.queryset = Contact.objects.filter(
            account_id=self.instance.opportunity.account_id
        ).filter(is_active=True) | Contact.objects.filter(pk=self.instance.contact_id)
        contact.empty_label = _("(no contact)")


class QuoteLineForm(PricedLineForm):
    """A line of a draft; left empty, the unit price comes from the account's price list (or
    the default list, or the product) and the cost from the product (`services`)."""

    class Meta:
        model = QuoteLine
        fields = (
            "product",
            "description",
            "quantity",
            "unit_price",
            "discount_percent",
            "unit_cost",
        )
        formfield_callback = number_formfield  # quantity, prices, discount: the user's format

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        product.queryset = Product.objects.filter(is_active=True) | Product.objects.filter(
            pk=self.instance.product_id if self.instance.pk else None
        )
        self.fields["unit_price"].required = False
        self.fields["unit_cost"].required = False
        self.fields["discount_percent"].required = False
        self.fields["description"].help_text = _("Left empty: the product's name.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("unit_cost") is None:  # left empty or omitted: the product's cost,
            self.instance.unit_cost = None  # not the column's default (`services`)
        return cleaned


class SendForm(forms.Form):
    """The e-mail that carries the quote's PDF to its contact."""

    to = forms.EmailField(label=_("To"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(
        label=_("Message"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 8})
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AcceptForm(CommentForm):
    """Accepting a quote: the deal's version its page showed, so that a deal changed since
    (its lines, its amount) is not overwritten unseen."""

    deal_version = VersionField()


class DeclineForm(CommentForm):
    """Declining a quote; closing the deal as lost needs a loss reason (DESIGN.md)."""

    field_order = ("close_deal", "loss_reason", "comment")

    close_deal = forms.BooleanField(label=_("Close the deal as lost"), required=False)
    loss_reason = forms.ModelChoiceField(
        queryset=LossReason.objects.filter(is_active=True),
        label=_("Loss reason"),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("close_deal") and not cleaned.get("loss_reason"):
            self.add_error(
                "loss_reason",
                forms.ValidationError(
                    _("A lost deal needs a loss reason."), code="loss_reason_required"
                ),
            )
        return cleaned
