"""A test-only fax transport, added through the `register_fax_transports` hook as another plugin
would add one: it writes each document it gets into its line's folder and answers as the test
says — refusing numbers listed in `refuse`, failing whole batches when `down` is set, and
reporting outcomes (by poll or by its "status" callback) written to `outcomes.json`.

Its callbacks take the real shapes a fax service posts: "status" a form (job, outcome, reason,
pages), "received" a multipart upload (file = PDF or TIFF, from, job).
"""
import json
import shutil
from pathlib import Path

from chapar import Field, SendResult
from chapar_fax import FaxStatus, FaxTransport, TransportError, hookimpl

KIND = "folder"


class FolderTransport(FaxTransport):
    kind = KIND
    label = "Folder (tests)"
    description = "Writes faxes into a folder."
    wants = "pdf"
    settings_fields = (Field("folder", "Folder", required=True), Field("wants", "Wants", default="pdf"),
                       Field("token", "Token", kind="password"))
    secret_fields = ("token",)
    callbacks = ("status", "received")
    polls = True

    def __init__(self, line):
        super().__init__(line)
        self.wants = self.settings.get("wants") or "pdf"

    @property
    def folder(self):
        return Path(self.settings["folder"])

    def submit(self, documents):
        if (self.folder / "down").exists():
            raise TransportError("the fax service is down")
        refused = set((self.folder / "refuse").read_text().split()) if (self.folder / "refuse").exists() else set()
        results = []
        for document in documents:
            if document.to in refused:
                results.append(SendResult.permanent(document.message_id, "number refused by the service"))
                continue
            source = document.tiff_path if self.wants == "tiff" else document.pdf_path
            target = self.folder / f"{document.reference}{Path(source).suffix}"
            shutil.copyfile(source, target)
            (self.folder / f"{document.reference}.json").write_text(json.dumps(
                {"to": document.to, "sender": document.sender, "pages": document.pages, "attempt": document.attempt}))
            results.append(SendResult.accepted(document.message_id, f"job-{document.reference}"))
        return results

    def poll(self, provider_ids):
        outcomes = self.outcomes()
        return [FaxStatus(job, *outcomes[job]) for job in provider_ids if job in outcomes]

    def outcomes(self):
        path = self.folder / "outcomes.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def callback(self, name, request):
        from chapar_fax.faxes import report
        from chapar_fax.inbound import received_fax
        from chapar_fax.tiff import tiff_to_pdf

        if name == "status":
            pages = request.form.get("pages")
            report(self.line, [FaxStatus(request.form.get("job", ""), request.form.get("outcome", ""),
                                         request.form.get("reason", ""), int(pages) if pages else None)])
            return "ok", 200
        upload = request.files.get("file")
        if upload is None:
            return "no file", 400
        data = upload.read()
        if data.startswith(b"%PDF-"):
            pdf, pages = data, int(request.form.get("pages") or 1)
        else:
            pdf, pages = tiff_to_pdf(data)
        inbound = received_fax(self.line, request.form.get("from", ""), pdf, pages,
                               provider_id=request.form.get("job", ""))
        return {"inbound": inbound.id}, 200

    def test_connection(self):
        if not self.folder.is_dir():
            raise TransportError(f"no folder {self.folder}")
        return f"folder {self.folder} is there"


@hookimpl
def register_fax_transports():
    """The folder transport (tests only)."""
    return [FolderTransport]
