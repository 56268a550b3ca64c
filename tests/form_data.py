"""What a browser posts for our own forms, built from a saved object (the admin's forms:
`admin_helpers`)."""


def deal_form_data(deal, **changes) -> dict:
    """The deal's edit form as loaded (at the deal's version), with `changes` applied."""
    return {
        "account": deal.account_id,
        "name": deal.name,
        "owner": deal.owner_id,
        "stage": deal.stage_id,
        "probability": deal.probability,
        "offered_probability": deal.probability,
        "amount": deal.amount,
        "expected_close_date": deal.expected_close_date.isoformat(),
        "version": deal.version,
        **changes,
    }
