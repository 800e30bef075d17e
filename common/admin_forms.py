"""Admin forms for models that hold secrets: write-only fields that keep the stored value."""

from typing import Any, ClassVar

from django import forms


class SecretFieldsForm(forms.ModelForm):
    """Each field in `secret_fields` is a password box, required only on creation.

    Leaving it empty when editing keeps the stored value, so secrets are never sent
    back to the browser.
    """

    secret_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        for name in self.secret_fields:
            field = self.fields[name]
            self.fields[name] = forms.CharField(
                label=field.label,
                required=creating,
                widget=forms.PasswordInput(render_value=False),
                help_text="Stored encrypted."
                if creating
                else "Leave empty to keep the stored value.",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is not None:
            for name in self.secret_fields:
                if not data.get(name):
                    data[name] = getattr(self.instance, name)
        return data

    def changed_secrets(self) -> set[str]:
        """Secret fields the user actually typed a new value into."""
        return {name for name in self.secret_fields if self.data.get(self.add_prefix(name))}
