"""Errors that carry which input was wrong, so every surface (UI, API, import) can say so."""


class FieldError(ValueError):
    """One field's value is unacceptable. `code` is stable (for translation), `message` is English."""

    def __init__(self, field, code, message):
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


class ValidationFailed(ValueError):
    """Several fields are wrong at once: `errors` maps field -> FieldError."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{name}: {err.message}" for name, err in errors.items()))
        self.errors = errors
