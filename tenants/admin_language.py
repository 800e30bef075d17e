"""Admin → Language: each staff user picks the admin's language for themself."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from tenants.services import admin_language_for, set_admin_language

SESSION_KEY = "admin_language"


def remember_language(request: HttpRequest | None, user: Any, **_: Any) -> None:
    """On login: the user's language goes into the session, so pages need no extra query."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = admin_language_for(user)


def session_language(request: HttpRequest) -> str:
    """The language of this admin request: the user's choice, else the site default."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return settings.LANGUAGE_CODE
    language = request.session.get(SESSION_KEY)
    if language is None:  # a session from before this setting existed
        language = request.session[SESSION_KEY] = admin_language_for(request.user)
    return language


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


def language_view(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: save the choice and go back (the next page is in that language)."""
    form = LanguageForm(
        request.POST or None, initial={"language": admin_language_for(request.user)}
    )
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        set_admin_language(user=request.user, language=language)
        request.session[SESSION_KEY] = language
        with translation.override(language):  # said in the language just chosen
            messages.success(request, str(_("Language saved.")))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        return HttpResponseRedirect(target)
    context = {
        **admin.site.each_context(request),
        "title": _("Language"),
        "form": form,
        "next": request.GET.get("next", ""),
    }
    status = 400 if form.is_bound else 200  # a valid POST has already redirected
    return TemplateResponse(request, "admin/language.html", context, status=status)
