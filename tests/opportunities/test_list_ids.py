"""The deal list's filter bar and bulk bar are two forms on one page: no id twice."""

import re
from collections import Counter

import pytest
from django.urls import reverse

from ..factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_no_element_id_is_used_twice_on_the_deal_list(client_for, salesperson):
    OpportunityFactory(owner=salesperson)
    html = client_for(salesperson).get(reverse("opportunities:list")).content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, n in ids.items() if n > 1] == []
    assert 'id="bulk_stage"' in html and 'for="bulk_stage"' in html
