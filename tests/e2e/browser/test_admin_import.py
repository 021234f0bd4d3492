"""CSV import in a real browser: upload a file, watch the progress bar's page finish on
its own (it polls the status), read the per-row report; the good rows are clients."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.browser.pages import sign_up

CSV = """name,phone,email
Priya Shah,07700 900301,priya@example.com
Tom Okafor,+44 7700 900302,
Lena Fischer,07700 900303,lena@example.com
No Number,12,
Priya Again,07700900301,
"""


def test_import_shows_progress_then_the_report_and_keeps_the_good_rows(page, tmp_path):
    sign_up(page, "Birch Pilates", "birch-pilates")
    upload = tmp_path / "clients.csv"
    upload.write_text(CSV)
    page.click("Clients")
    page.click("Import from CSV")
    page.field("CSV file").send_keys(str(upload))
    page.click("Import")

    WebDriverWait(page.driver, 30, poll_frequency=0.25).until(
        lambda d: d.find_element(By.ID, "import").get_attribute("data-status") in ("done", "failed")
    )
    summary = page.driver.find_element(By.ID, "summary").text
    assert summary.startswith("Done."), summary
    assert "5 of 5 rows read: 3 imported, 2 skipped" in summary, summary
    assert page.driver.find_element(By.ID, "bar").get_attribute("style").replace(" ", "") == "width:100%;"

    skipped = {
        row.find_elements(By.TAG_NAME, "td")[0].text: row.text
        for row in page.driver.find_elements(By.CSS_SELECTOR, "#skipped-rows tbody tr")
    }
    assert set(skipped) == {"5", "6"}, skipped  # line 1 is the header
    assert "not a phone number" in skipped["5"] and "same phone as line 2" in skipped["6"], skipped

    page.click("See the clients")
    assert "3 clients" in page.text
    for name in ("Priya Shah", "Tom Okafor", "Lena Fischer"):
        assert name in page.text
    assert "No Number" not in page.text and "Priya Again" not in page.text
