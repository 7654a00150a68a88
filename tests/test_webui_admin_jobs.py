"""The Jobs page against a real Redis and a real (burst) RQ worker."""
import pytest
from jobs_for_tests import add, explode

from chapar.models import AuditLog
from chapar.queue import enqueue, get_queue
from chapar.worker import build_worker


@pytest.fixture
def run_worker(app):
    def run(queues=("default",)):
        build_worker(app, list(queues)).work(burst=True)

    return run


def test_an_empty_install_explains_what_will_show(client_as):
    page = client_as("manager").get("/admin/jobs").get_data(as_text=True)
    assert "No failed jobs" in page
    assert "No worker is running" in page
    assert "default" in page
    assert 'hx-trigger="every 5s"' in page


def test_a_failed_job_shows_its_error_and_retry_puts_it_back(app, client_as, run_worker):
    job = enqueue(explode, "contact 42 has no address")
    enqueue(add, 1, 2)
    run_worker()

    manager = client_as("manager")
    page = manager.get("/admin/jobs").get_data(as_text=True)
    assert "jobs_for_tests.explode" in page
    assert "ValueError: contact 42 has no address" in page
    assert "Traceback (most recent call last)" in page  # the whole traceback, inside <details>
    assert f"/admin/jobs/job/{job.id}/retry" in page
    counts = manager.get("/admin/jobs/counts").get_data(as_text=True)
    assert 'id="job-counts"' in counts and "<html" not in counts

    failed_list = manager.get("/admin/jobs/queue/default/failed").get_data(as_text=True)
    assert job.id in failed_list
    finished_list = manager.get("/admin/jobs/queue/default/finished").get_data(as_text=True)
    assert "jobs_for_tests.add" in finished_list

    response = manager.post(f"/admin/jobs/job/{job.id}/retry")
    assert response.status_code in (302, 303)
    assert "back on the" in manager.get(response.headers["Location"]).get_data(as_text=True)
    assert job.id in get_queue().job_ids
    assert get_queue().failed_job_registry.count == 0
    assert AuditLog.select().where(AuditLog.action == "job.retried", AuditLog.target == job.id).exists()

    # It fails again, and this time it is deleted.
    run_worker()
    assert get_queue().failed_job_registry.count == 1
    manager.post(f"/admin/jobs/job/{job.id}/delete")
    assert get_queue().failed_job_registry.count == 0
    assert "No failed jobs" in manager.get("/admin/jobs").get_data(as_text=True)


def test_retry_all_failed_requeues_every_failure_of_a_queue(app, client_as, run_worker):
    for n in range(3):
        enqueue(explode, f"failure {n}", queue="imports")
    run_worker(["imports"])
    manager = client_as("manager")
    assert manager.get("/admin/jobs/queue/imports/failed").get_data(as_text=True).count("failure ") >= 3
    response = manager.post("/admin/jobs/queue/imports/retry-failed")
    assert "3 failed jobs are back" in manager.get(response.headers["Location"]).get_data(as_text=True)
    assert get_queue("imports").count == 3


def test_a_registered_worker_is_listed(app, client_as):
    worker = build_worker(app, ["default"], name="test-worker-1")
    worker.register_birth()
    try:
        page = client_as("manager").get("/admin/jobs").get_data(as_text=True)
        assert "test-worker-1" in page
    finally:
        worker.register_death()


def test_unknown_queues_states_and_jobs(client_as):
    manager = client_as("manager")
    assert manager.get("/admin/jobs/queue/nosuchqueue/failed").status_code == 404
    assert manager.get("/admin/jobs/queue/default/exploded").status_code == 404
    response = manager.post("/admin/jobs/job/not-a-job/retry")
    assert "no longer waiting" in manager.get(response.headers["Location"]).get_data(as_text=True)
