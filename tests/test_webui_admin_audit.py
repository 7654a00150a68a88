"""The audit log page: newest first, filtered by action, paginated."""
from chapar.audit import record


def test_entries_are_listed_newest_first_and_filtered(client_as, users):
    record("user.created", actor=users["admin"], target="first@example.test", role="viewer")
    record("settings.changed", actor=users["admin"], target="site",
           organisation_name={"old": "", "new": "Pars Print"})
    admin = client_as("admin")
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert page.index("settings.changed") < page.index("first@example.test")
    assert "→ Pars Print" in page

    filtered = admin.get("/admin/audit?action=user.created").get_data(as_text=True)
    assert "first@example.test" in filtered and "→ Pars Print" not in filtered


def test_long_logs_are_paginated(client_as, users):
    for n in range(60):
        record("job.retried", actor=users["manager"], target=f"job-{n:02d}")
    admin = client_as("admin")
    first = admin.get("/admin/audit?action=job.retried").get_data(as_text=True)
    assert "job-59" in first and "job-05" not in first
    assert 'rel="next"' in first
    second = admin.get("/admin/audit?action=job.retried&page=2").get_data(as_text=True)
    assert "job-05" in second and "job-59" not in second
