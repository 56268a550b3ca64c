"""The load benchmark: salespeople and a manager at work, against gunicorn on loopback.

Each simulated user logs in as one of the demo users (seed_demo), then, waiting 1-5 s between
requests as people do, reads deal lists, deal pages, the board, accounts, the agenda, the
dashboard and the reports, and saves: a deal's edit form posted back with its CSRF token and
version, and a move on the board. Run it with `make load` (bench/load.sh), which seeds 20,000
deals on PostgreSQL, starts gunicorn as `make run` does and prints the figures.

At the end it prints p50/p95 per page and every error (`summary`).
"""

import random
import re
from datetime import date

from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tests.security.html_forms import main_form

PASSWORD = "pipeline-demo"
SALESPEOPLE = ("anna", "erik", "ingrid")
MANAGER = "magnus"
REPORTS = ("pipeline", "budget", "funnel", "salespeople", "winloss", "trend", "effort")
DEAL_LINK = re.compile(r'href="/opportunities/(\d+)/"')
ACCOUNT_LINK = re.compile(r'href="/accounts/(\d+)/"')
SORTS = ("", "amount", "-amount", "expected_close_date", "-expected_close_date", "stage")


class Salesperson(HttpUser):
    wait_time = between(1, 5)
    weight = 6
    sessions: dict[str, int] = {}  # how many simulated users share each login so far

    def on_start(self):
        # A browser sends a GET again when the kept-alive connection it reused was closed by
        # the server meanwhile (gunicorn closes idle ones after 2 s; people wait 1-5 s): so do
        # these users, once. Without it such a race showed as "connection reset" errors.
        retry_once = Retry(total=1, connect=1, read=1, status=0, allowed_methods={"GET"})
        self.client.mount("http://", HTTPAdapter(max_retries=retry_once))
        self.username = self.pick_username()
        self.client.get("/login/", name="login")
        self.client.post(
            "/login/",
            {"username": self.username, "password": PASSWORD},
            headers=self.csrf_header(),
            name="login (post)",
        )
        # What a user's browsing reaches, read once (and left out of the pages' figures). Users
        # sharing a login save different deals, as colleagues do: no edit conflicts between them.
        slot = Salesperson.sessions.get(self.username, 0)
        Salesperson.sessions[self.username] = slot + 1
        self.own_deals = self.deal_ids("/opportunities/?mine=true")[slot % 10 :: 10]
        self.all_deals = self.deal_ids("/opportunities/?sort=-expected_close_date")
        page = self.client.get("/accounts/", name="setup: accounts").text
        self.accounts = [int(pk) for pk in ACCOUNT_LINK.findall(page)] or [1]

    def pick_username(self) -> str:
        return random.choice(SALESPEOPLE)

    def csrf_header(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host}

    def deal_ids(self, url: str) -> list[int]:
        text = self.client.get(url, name="setup: deals").text
        return sorted({int(pk) for pk in DEAL_LINK.findall(text)})

    # --- reading -----------------------------------------------------------------------------

    @task(6)
    def deal_list(self):
        params = {"sort": random.choice(SORTS), "page": random.randint(1, 20)}
        if random.random() < 0.5:
            params["mine"] = "true"
        if random.random() < 0.3:
            params["status"] = random.choice(("open", "won", "lost"))
        self.client.get("/opportunities/", params=params, name="deal list")

    @task(8)
    def deal_detail(self):
        pk = random.choice(self.all_deals or [1])
        self.client.get(f"/opportunities/{pk}/", name="deal detail")

    @task(4)
    def board(self):
        self.client.get("/opportunities/board/", name="board")

    @task(1)
    def board_everyone(self):
        self.client.get("/opportunities/board/?mine=", name="board (everyone's)")

    @task(2)
    def account_list(self):
        params = {"page": random.randint(1, 10)}
        self.client.get("/accounts/", params=params, name="account list")

    @task(2)
    def account_detail(self):
        self.client.get(f"/accounts/{random.choice(self.accounts)}/", name="account detail")

    @task(2)
    def agenda(self):
        self.client.get("/activities/", name="agenda")

    @task(2)
    def dashboard(self):
        self.client.get("/", name="dashboard")

    @task(4)
    def report(self):
        kind = random.choice(REPORTS)
        pick = random.choice((str(date.today().year), _quarter()))
        self.client.get(f"/reports/{kind}/", params={"pick": pick}, name=f"report: {kind}")

    # --- saving ------------------------------------------------------------------------------

    @task(2)
    def edit_deal(self):
        if not self.own_deals:  # a manager owns none
            return
        pk = random.choice(self.own_deals)
        url = f"/opportunities/{pk}/edit/"
        page = self.client.get(url, name="deal edit (form)")
        form = main_form(page.text, url)
        if form is None:
            return
        data = form.data()
        data["next_step"] = f"Call back ({self.username}, {random.randint(1, 10**6)})"
        with self.client.post(
            url,
            data,
            headers=self.csrf_header(),
            name="deal edit (save)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"not saved: {response.status_code} {_refusal(response.text)}")

    @task(1)
    def move_on_board(self):
        if not self.own_deals:
            return
        pk = random.choice(self.own_deals)
        page = self.client.get(f"/opportunities/{pk}/edit/", name="deal edit (form)")
        form = main_form(page.text, f"/opportunities/{pk}/edit/")
        if form is None or "stage" not in form.options:
            return
        data = form.data()
        stages = [value for value, _label in form.options["stage"] if value]
        others = [value for value in stages if value != data.get("stage")]
        if not others:
            return
        move = {"stage": random.choice(others), "version": data.get("version", ""), "query": ""}
        with self.client.post(
            f"/opportunities/{pk}/move/",
            move,
            headers=self.csrf_header(),
            name="board move (save)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"not moved: {response.status_code}")


class Manager(Salesperson):
    weight = 1

    def pick_username(self) -> str:
        return MANAGER

    @task(6)
    def report(self):
        super().report()


def _refusal(html: str) -> str:
    """The first error message of a refused form."""
    found = re.search(r'class="errorlist[^"]*"[^>]*>\s*<li>([^<]*)', html)
    return found.group(1).strip() if found else ""


def _quarter() -> str:
    today = date.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@events.quitting.add_listener
def summary(environment, **_kwargs):
    """p50 and p95 per page, and the errors, in one table."""
    stats = environment.stats
    print("\npage                          requests  failures    p50 ms    p95 ms    max ms")
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        print(
            f"{entry.name[:30]:30}{entry.num_requests:>8}{entry.num_failures:>10}"
            f"{entry.get_response_time_percentile(0.5):>10.0f}"
            f"{entry.get_response_time_percentile(0.95):>10.0f}{entry.max_response_time:>10.0f}"
        )
    total = stats.total
    print(
        f"{'all':30}{total.num_requests:>8}{total.num_failures:>10}"
        f"{total.get_response_time_percentile(0.5):>10.0f}"
        f"{total.get_response_time_percentile(0.95):>10.0f}{total.max_response_time:>10.0f}"
    )
    errors = list(stats.errors.values())
    print(f"\nerrors: {sum(e.occurrences for e in errors)}")
    for error in errors:
        print(f"  {error.occurrences} × {error.method} {error.name}: {error.error}")
