"""Issue 16: the admin in Persian, right to left, in a real browser, with the notes' toman shop.

A staff user picks Persian on the language page; the product list then reads right to left,
with Persian labels, the product's Persian name byte for byte, and its price in tomans.
"""

from decimal import Decimal
from typing import Any

from products_and_services.services import create_product
from tests.browser.conftest import login

NAME = "کفش ورزشی مردانه"  # the product notes' sample: "men's sports shoes"


def test_the_admin_in_persian_reads_right_to_left(page: Any, admin_user: Any, tenant: Any) -> None:
    create_product(
        tenant=tenant,
        fields={"name": NAME, "sku": "SHOE-FA", "price": Decimal("850000"), "currency": "IRT"},
    )
    login(page)
    page.goto("/admin/language/")
    page.select_option("select[name=language]", "fa")
    page.click("form[method=post] button.btn-primary")
    page.wait_for_load_state()
    page.goto("/admin/products_and_services/product/")
    page.screens.shot("product-list-in-persian")
    assert page.locator("html").get_attribute("dir") == "rtl"
    # Nothing widens the page past the window (AdminLTE's off-screen live region once did).
    assert page.evaluate("document.documentElement.scrollWidth") == 1400
    assert page.locator("html").get_attribute("lang") == "fa"
    row = page.locator("#result_list tbody tr").first
    assert NAME in row.inner_text()
    assert "۸۵۰٬۰۰۰\xa0تومان" in row.inner_text()  # babel keeps number and unit together
    assert page.blocked_requests == []
