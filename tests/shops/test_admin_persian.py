"""The admin in Persian, right to left, chosen per user; prices in the shop's currency format.

Playwright browser tests are not on main yet, so this checks the rendered HTML with Django's
test client: `dir="rtl"`, Persian from Django's own catalogue and from this project's.
"""

import gettext
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from products_and_services.currencies import format_shop_price
from products_and_services.models import Product
from tenants.models import Tenant, UserPreferences
from tests.shops import sample

pytestmark = pytest.mark.django_db
PRODUCTS = "/admin/products_and_services/product/"


@pytest.fixture
def staff(db: None) -> User:
    return User.objects.create_superuser(username="maryam", password="pw", email="m@example.com")


@pytest.fixture
def browser(staff: User) -> Client:
    client = Client()
    client.login(username="maryam", password="pw")
    return client


@pytest.fixture
def toman_product(tenant: Tenant) -> Product:
    return Product.objects.create(
        tenant=tenant, name=sample.NAME, sku="PROD-001", price=Decimal("850000"), currency="IRT"
    )


def test_a_user_who_chose_persian_gets_the_admin_right_to_left(
    staff: User, toman_product: Product
) -> None:
    UserPreferences.objects.create(user=staff, language="fa")
    browser = Client()
    browser.login(username="maryam", password="pw")  # the choice is read once, at login
    page = browser.get(PRODUCTS)
    assert page.status_code == 200
    html = page.text
    assert '<html lang="fa" dir="rtl">' in html
    assert page.headers["Content-Language"] == "fa"
    assert "محصولات" in html  # "products": this project's catalogue
    assert "جستجو" in html  # "Search": Django's own Persian
    assert "۸۵۰٬۰۰۰\u00a0تومان" in html  # the price as the toman shop writes it
    assert sample.NAME in html  # the Persian name, byte for byte
    edit = browser.get(f"{PRODUCTS}{toman_product.pk}/change/")
    assert "قیمت و موجودی" in edit.text  # a fieldset title
    assert "tenants/admin-rtl.css" in edit.text


def test_other_users_keep_english_and_no_one_else_is_affected(
    staff: User, browser: Client, toman_product: Product
) -> None:
    other = User.objects.create_superuser(username="sam", password="pw", email="s@example.com")
    UserPreferences.objects.create(user=other, language="fa")
    page = browser.get(PRODUCTS)
    assert 'dir="rtl"' not in page.text
    assert page.headers["Content-Language"] == "en-us"
    assert "850,000\u00a0IRT" in page.text


def test_choosing_persian_in_the_language_page(staff: User, browser: Client) -> None:
    form = browser.get("/admin/language/")
    assert form.status_code == 200
    assert '<option value="fa">فارسی</option>' in form.text
    saved = browser.post("/admin/language/", {"language": "fa", "next": PRODUCTS})
    assert (saved.status_code, saved.headers["Location"]) == (302, PRODUCTS)
    assert UserPreferences.objects.get(user=staff).language == "fa"
    assert "زبان ذخیره شد." in browser.get(PRODUCTS).text


def test_the_language_page_refuses_an_unknown_language_and_foreign_redirects(
    staff: User, browser: Client
) -> None:
    bad = browser.post("/admin/language/", {"language": "xx"})
    assert bad.status_code == 400
    assert not UserPreferences.objects.exists()
    away = browser.post("/admin/language/", {"language": "en", "next": "https://evil.example/"})
    assert away.headers["Location"] == "/admin/"


def test_the_language_page_needs_a_staff_login(db: None) -> None:
    response = Client().get("/admin/language/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


def test_the_api_stays_english_whatever_the_browser_asks(api: APIClient) -> None:
    response = api.post(
        "/v1/catalog/products/",
        {"name": "x", "price": "-1"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert response.json()["price"] == ["Ensure this value is greater than or equal to 0."]


@pytest.mark.parametrize(
    ("amount", "code", "language", "shown"),
    [
        ("850000", "IRT", "fa", "۸۵۰٬۰۰۰\u00a0تومان"),
        ("850000", "IRT", "en", "850,000\u00a0IRT"),
        ("8500000", "IRR", "fa", "۸٬۵۰۰٬۰۰۰\u00a0ریال"),
        ("1234.5", "USD", "fa", "۱٬۲۳۴٫۵۰\u00a0$"),
        ("1234.5", "USD", "en", "1,234.50\u00a0USD"),
        ("1234", "JPY", "en", "1,234\u00a0JPY"),
        ("12", "ARUB", "en", "12.00\u00a0ARUB"),
    ],
)
def test_prices_in_the_shops_currency_format(
    amount: str, code: str, language: str, shown: str
) -> None:
    assert format_shop_price(Decimal(amount), code, language=language) == shown


def test_the_committed_catalogue_is_compiled_from_the_po_file() -> None:
    """django.mo is in git (a fresh clone needs no gettext): it must say what django.po says."""
    folder = Path(settings.BASE_DIR) / "locale" / "fa" / "LC_MESSAGES"
    with (folder / "django.po").open("rb") as po:
        catalog = read_po(po)
    with (folder / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    translated = [m for m in catalog if m.id and not m.pluralizable]
    assert len(translated) > 20
    for message in translated:
        assert message.string, f"untranslated: {message.id!r}"
        assert compiled.gettext(message.id) == message.string
