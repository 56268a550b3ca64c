"""Every foundation page fits a desktop and a phone screen; screenshots for human review."""

import pytest
from playwright.sync_api import expect

from accounts.models import Account, ContactRole, CustomerType, Segment
from pipeline_crm.history import Origin, label_change
from tests.factories import AccountFactory, BusinessAreaFactory, ContactFactory, IndustryFactory

from .helpers import login, screenshot, visit

pytestmark = pytest.mark.browser

SCREENS = {"desktop": {"width": 1366, "height": 900}, "mobile": {"width": 390, "height": 844}}

COMPANIES = [
    ("Nordlys Maskin AB", "Uppsala", "SE"),
    ("Fjordkraft Solutions AS", "Bergen", "NO"),
    ("Wisła Logistics Sp. z o.o.", "Kraków", "PL"),
    ("Brandt & Söhne GmbH", "Hamburg", "DE"),
    ("Göta Kanal Konsult AB", "Göteborg", "SE"),
    ("Aurora Retail AB", "Malmö", "SE"),
]


@pytest.fixture
def sample_accounts(salesperson):
    """A handful of realistic accounts with contacts, one of them changed once."""
    area = BusinessAreaFactory(name="Industrial")
    industry = IndustryFactory(name="Manufacturing")
    customer = CustomerType.objects.get_or_create(name="Customer")[0]
    segment = Segment.objects.get_or_create(name="Enterprise")[0]
    role = ContactRole.objects.get_or_create(name="Decision maker")[0]
    accounts = [
        AccountFactory(
            name=name,
            city=city,
            country=country,
            owner=salesperson,
            business_area=area,
            industry=industry,
            customer_type=customer,
            segment=segment,
            street="Storgatan 12",
            postal_code="753 20",
            phone="+46 18 12 34 56",
            website="https://example.com",
            employees=240,
            notes="Framework agreement renewed every spring.",
        )
        for name, city, country in COMPANIES
    ]
    first = accounts[0]
    ContactFactory(account=first, first_name="Ingrid", last_name="Lund", title="CFO", role=role)
    ContactFactory(account=first, first_name="Per", last_name="Holm", title="Head of IT", role=role)
    first.city = "Stockholm"
    label_change(first, Origin.FORM)
    first.save()
    return accounts


def pages_to_check(account: Account) -> list[tuple[str, str]]:
    contact = account.contacts.order_by("last_name").first()
    return [
        ("dashboard", "/"),
        ("accounts-list", "/accounts/"),
        ("accounts-list-filtered", "/accounts/?q=AB&country=SE"),
        ("account-detail", f"/accounts/{account.pk}/"),
        ("account-form", f"/accounts/{account.pk}/edit/"),
        ("account-form-new", "/accounts/new/"),
        ("contacts-list", "/contacts/"),
        ("contact-detail", f"/contacts/{contact.pk}/"),
        ("403", f"/accounts/{account.pk}/delete/"),
        ("404", "/accounts/999999/"),
    ]


# Elements sticking out to the right, outside the parts meant to scroll sideways.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrollers = ".table-wrap, .mainnav, .board, .visually-hidden, .username, .skip-link";
  return [...document.querySelectorAll("body *")]
    .filter((el) => !el.closest(scrollers))
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.right > width + 1;
    })
    .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.slice(0, 30)}`)
    .slice(0, 5);
}"""


def assert_fits_the_screen(page):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    assert page.evaluate(STICKING_OUT) == [], page.url


@pytest.fixture(params=list(SCREENS))
def screen_page(request, browser):
    context = browser.new_context(viewport=SCREENS[request.param], locale="en-US")
    page = context.new_page()
    page.screen_name = request.param
    yield page
    context.close()


def test_login_page_fits_the_screen(screen_page, live_server):
    page = screen_page
    visit(page, f"{live_server.url}/login/", f"{page.screen_name}-login")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert_fits_the_screen(page)


def test_pages_fit_the_screen(screen_page, live_server, salesperson, sample_accounts):
    page = screen_page
    login(page, live_server, salesperson)
    for name, path in pages_to_check(sample_accounts[0]):
        response = visit(page, f"{live_server.url}{path}", f"{page.screen_name}-{name}")
        assert response.status == {"403": 403, "404": 404}.get(name, 200), path
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_fits_the_screen(page)


def test_form_errors_fit_the_screen(screen_page, live_server, salesperson):
    page = screen_page
    login(page, live_server, salesperson)
    page.goto(f"{live_server.url}/accounts/new/")
    page.locator("#id_website").fill("not a url")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.locator(".field.has-error")).not_to_have_count(0)
    screenshot(page, f"{page.screen_name}-account-form-errors")
    assert_fits_the_screen(page)


def test_user_menu_opens_and_fits_the_screen(screen_page, live_server, salesperson):
    page = screen_page
    login(page, live_server, salesperson)
    page.locator(".usermenu summary").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    screenshot(page, f"{page.screen_name}-user-menu", full_page=False)
    assert_fits_the_screen(page)


def test_filters_fold_behind_a_button_on_a_phone(browser, live_server, salesperson):
    context = browser.new_context(viewport=SCREENS["mobile"], locale="en-US")
    page = context.new_page()
    login(page, live_server, salesperson, next_path="/accounts/?country=SE")
    toggle = page.get_by_role("button", name="Filters")
    country = page.get_by_label("Country", exact=True)
    expect(page.get_by_label("Search", exact=True)).to_be_visible()
    expect(country).to_be_hidden()
    expect(toggle).to_contain_text("1")  # one filter holds a value

    toggle.click()

    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(country).to_be_visible()
    screenshot(page, "mobile-accounts-filters-open")
    context.close()
