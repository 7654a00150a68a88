"""Chapar's print channel: one personalised letter (PDF) per recipient, and the batch's merged PDF,
address labels and mailing manifest."""
