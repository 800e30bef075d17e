"""Admin form fields for the JSON lists and option maps, so staff never type raw JSON."""

from typing import Any

from django import forms


class CommaListField(forms.CharField):
    """A list of strings, edited as `Tents, Camping`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Separate with commas.")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


class OptionsField(forms.CharField):
    """A variant's options, edited as `Color: Green; Size: M`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Name: value; Name: value")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "; ".join(f"{name}: {option}" for name, option in value.items())
        return value

    def to_python(self, value: Any) -> dict[str, str]:
        if isinstance(value, dict):
            return value
        text = super().to_python(value) or ""
        options: dict[str, str] = {}
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            name, sep, option = part.partition(":")
            if not sep or not name.strip() or not option.strip():
                raise forms.ValidationError(
                    f"“{part}” is not an option; write Name: value, separated by semicolons."
                )
            options[name.strip()] = option.strip()
        return options
