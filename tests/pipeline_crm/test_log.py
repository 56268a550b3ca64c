import logging

import pytest
from django.urls import reverse

from ..factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_a_403_is_one_line_in_the_log(client_for, salesperson, other_salesperson, caplog):
    deal = OpportunityFactory(owner=salesperson)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(other_salesperson).get(reverse("opportunities:edit", args=[deal.pk]))
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage().startswith("Forbidden (Permission denied)")
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_500_keeps_its_traceback(caplog):
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            logger.error("Internal Server Error: /", exc_info=True, extra={"status_code": 500})
    (record,) = caplog.records
    assert record.exc_info is not None
