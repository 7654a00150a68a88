"""The month calendar of programs (each on its campaign's local day) and the campaign pages in
Persian: right to left, Persian digits, Babel's Persian month names, Jalali dates."""
import re
from datetime import datetime
from decimal import Decimal

from chapar.campaigns import save_campaign
from chapar.models import Campaign, Program, utcnow


def text_of(response):
    return response.get_data(as_text=True)


def day_of(page, name):
    """The day number shown in the calendar cell that lists `name`, or None."""
    for cell in page.split("<td")[1:]:
        if f">{name}</strong>" in cell:
            return re.search(r'class="calendar-day">([^<]+)<', cell).group(1)
    return None


def program(campaign, name, **fields):
    return Program.create(campaign=campaign, name=name, channel="fixture", **fields)


def test_a_program_is_on_its_campaigns_local_day(client_as):
    tehran = save_campaign({"name": "Tehran launch", "time_zone": "Asia/Tehran"})
    samoa = save_campaign({"name": "Samoa launch", "time_zone": "Pacific/Pago_Pago"})
    # 22:00 UTC on 14 March is 01:30 on the 15th in Tehran, and 11:00 on the 14th in Pago Pago.
    program(tehran, "Late night SMS", schedule_kind="at", scheduled_at=datetime(2030, 3, 14, 22, 0), status="scheduled")
    program(samoa, "Morning email", schedule_kind="at", scheduled_at=datetime(2030, 3, 15, 2, 0), status="ready")
    program(tehran, "Sent at once", schedule_kind="now", launched_at=datetime(2030, 3, 20, 8, 0),
            started_at=datetime(2030, 3, 20, 8, 0), status="sent")
    program(tehran, "Undated draft", status="draft")
    page = text_of(client_as("viewer").get("/campaigns/calendar?month=2030-03"))
    assert "March 2030" in page
    assert day_of(page, "Late night SMS") == "15" and ">01:30</time>" in page
    assert day_of(page, "Morning email") == "14" and ">15:00</time>" in page
    assert day_of(page, "Sent at once") == "20"
    assert "Undated draft" not in page and "3 programs this month." in page
    assert "Tehran launch" in page and "Scheduled" in page


def test_the_calendar_moves_between_months(client_as):
    campaign = save_campaign({"name": "Year end", "time_zone": "UTC"})
    program(campaign, "New year greeting", schedule_kind="at", scheduled_at=datetime(2030, 12, 31, 23, 0))
    browser = client_as("viewer")
    december = text_of(browser.get("/campaigns/calendar?month=2030-12"))
    assert 'href="/campaigns/calendar?month=2030-11" rel="prev"' in december
    assert 'href="/campaigns/calendar?month=2031-01" rel="next"' in december
    assert day_of(december, "New year greeting") == "31"
    january = text_of(browser.get("/campaigns/calendar?month=2031-01"))
    assert "January 2031" in january and "No programs are scheduled this month." in january
    assert 'is-other-month' in january  # December's last days pad the first week, greyed


def test_the_calendar_marks_today_and_ignores_a_bad_month(client_as):
    browser = client_as("viewer")
    now = utcnow()
    for query in ("", "?month=nonsense", "?month=2030-13", "?month=99999-01"):
        page = text_of(browser.get("/campaigns/calendar" + query))
        assert now.strftime("%B %Y") in page, query
        today = page.split('aria-current="date"', 1)[1]
        assert re.match(rf'>\s*<span class="calendar-day">{now.day}<', today), query
    assert 'href="/campaigns/calendar"' in text_of(browser.get("/campaigns/calendar?month=2030-01"))  # back to today


def test_the_list_links_to_the_calendar(client_as):
    assert 'href="/campaigns/calendar"' in text_of(client_as("viewer").get("/campaigns"))


def persian(client_as, users, role="viewer"):
    users[role].locale = "fa"
    users[role].save()
    return client_as(role)


def test_persian_pages_are_right_to_left_with_persian_digits(client_as, users):
    campaign = save_campaign({"name": "کمپین نوروز", "budget": "1500000", "currency": "IRR",
                              "objective_metric": "delivered", "objective_target": "1200",
                              "starts_on": "2030-03-21", "time_zone": "Asia/Tehran"}, actor=users["manager"])
    program(campaign, "پیامک عید", schedule_kind="at", scheduled_at=datetime(2030, 3, 19, 21, 0), status="scheduled")
    browser = persian(client_as, users)
    listing = text_of(browser.get("/campaigns"))
    assert 'dir="rtl"' in listing and 'lang="fa"' in listing
    assert "۱٬۵۰۰٬۰۰۰ IRR" in listing and "۱٬۲۰۰" in listing and "(۰٪)" in listing
    assert "۱۴۰۹/۰۱/۰۱" in listing  # 21 March 2030 is Farvardin 1, 1409
    page = text_of(browser.get(f"/campaigns/{campaign.id}"))
    assert 'dir="rtl"' in page and "۱٬۵۰۰٬۰۰۰ IRR" in page and "پیامک عید" in page
    assert "۱۴۰۸/۱۲/۳۰ ۰۰:۳۰" in page  # scheduled, on the campaign's clock, in the Jalali calendar
    calendar = text_of(browser.get("/campaigns/calendar?month=2030-03"))
    assert "مارس ۲۰۳۰" in calendar and 'dir="rtl"' in calendar
    assert day_of(calendar, "پیامک عید") == "۲۰" and ">۰۰:۳۰</time>" in calendar
    first_column = calendar.split("<thead>", 1)[1].split("</th>", 1)[0]
    assert first_column.endswith(">شنبه")  # an Iranian week starts on Saturday


def test_a_persian_form_shows_persian_errors_and_keeps_the_text(client_as, users):
    browser = persian(client_as, users, "manager")
    form = text_of(browser.get("/campaigns/new"))
    assert 'value="IRR"' in form and '<option value="Asia/Tehran" selected>' in form
    response = browser.post("/campaigns/new", {"name": "حراج", "budget": "۱۲۰۰۰", "currency": "IRR",
                                               "status": "planned", "objective_metric": "leads",
                                               "time_zone": "Asia/Tehran", "ends_on": "2030-01-01",
                                               "starts_on": "2030-02-01"})
    assert response.status_code == 422
    page = text_of(response)
    assert 'value="حراج"' in page and 'value="۱۲۰۰۰"' in page
    assert "The end date cannot be before the start date." not in page  # translated
    browser.post("/campaigns/new", {"name": "حراج", "budget": "۱۲۰۰۰", "currency": "IRR", "status": "planned",
                                    "objective_metric": "leads", "time_zone": "Asia/Tehran"})
    assert Campaign.get(Campaign.name == "حراج").budget == Decimal("12000")
