"""`chapar contacts import` and `chapar contacts export`: the CSV import and export, from a shell.

Both run in this process (no worker needed) on the instance's database. The import is recorded
on the Imports page like one made in the web UI (without a user: whoever has the server's shell
is trusted like an admin).
"""
import sys
from pathlib import Path

import click

from .appcontext import app_context

CHANNEL_STATUS = "CHANNEL=STATUS"


def _parse_consent(values):
    consent = {}
    for value in values:
        channel, sep, status = value.partition("=")
        if not sep:
            raise click.BadParameter(f"{value!r}: use {CHANNEL_STATUS}, e.g. email=subscribed", param_hint="--consent")
        consent[channel.strip()] = status.strip()
    return consent


def _apply_maps(mapping, header, maps, custom_keys):
    """Change the suggested {index: target} with --map "header=field" options."""
    for value in maps:
        name, sep, target = value.rpartition("=")
        if not sep:
            raise click.BadParameter(f"{value!r}: use \"csv header=field\"", param_hint="--map")
        name, target = name.strip(), target.strip()
        matches = [i for i, h in enumerate(header) if h == name] or \
            [i for i, h in enumerate(header) if h.casefold() == name.casefold()]
        if not matches:
            raise click.BadParameter(f"no column named {name!r}; the columns are: {', '.join(header)}",
                                     param_hint="--map")
        if target in custom_keys:
            target = f"field:{target}"
        for index, chosen in list(mapping.items()):
            if chosen == target:
                del mapping[index]  # a field maps from one column: the explicit choice wins
        mapping[matches[0]] = target if target not in ("", "-") else None
    return {index: target for index, target in mapping.items() if target}


def _settings_problem(problems):
    lines = [f"{code.replace('_', ' ')}: {subject}" for code, subject in problems]
    return click.ClickException("the import settings are wrong:\n  " + "\n  ".join(lines))


@click.group()
def contacts():
    """Import and export contacts as CSV."""


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", type=click.Choice(["email", "mobile"]), default=None,
              help="Match existing contacts by email or by mobile (default: email when a column holds it).")
@click.option("--tag", "tags", multiple=True, help="Tag every imported contact (repeatable).")
@click.option("--consent", "consents", multiple=True, metavar=CHANNEL_STATUS,
              help="Set consent for every row, e.g. email=subscribed (repeatable). Never re-subscribes.")
@click.option("--wording", default="", help="The consent statement people agreed to (needed with =subscribed).")
@click.option("--map", "maps", multiple=True, metavar='"HEADER=FIELD"',
              help="Map a column (repeatable): a field name, full_name, tags, a custom field key, or - to ignore.")
@click.option("--skip-existing", is_flag=True, help="Leave contacts that already exist untouched.")
@click.option("--dry-run", is_flag=True, help="Check every row and report, writing nothing to the database.")
@click.option("--failures", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the failed rows go (default: FILE-failed.csv beside FILE).")
def import_contacts(file, key, tags, consents, wording, maps, skip_existing, dry_run, failures):
    """Import contacts from a CSV FILE (UTF-8 or Windows-1256; any common delimiter)."""
    from flask_babel import force_locale

    from ..contacts import importer
    from ..models import CustomField

    failures = failures or file.with_name(f"{file.stem}-failed.csv")
    with app_context(), force_locale("en"):
        try:
            job = importer.create_import(file, file.name, via="cli", owns_file=False, save=False)
        except importer.CsvFormatError as exc:
            raise click.ClickException(f"{file.name}: {importer.describe_file_error(exc)}") from None
        custom_keys = {f.key for f in CustomField.select(CustomField.key)}
        mapping = _apply_maps({int(i): t for i, t in job.settings["mapping"].items()}, job.header, maps, custom_keys)
        key = key or job.settings["key"]
        try:
            importer.configure(job, mapping, key, tags=tags, consent=_parse_consent(consents), wording=wording,
                               update_existing=not skip_existing, locale="en")
        except importer.ImportSettingsInvalid as exc:
            raise _settings_problem(exc.problems) from None
        click.echo(f"{file.name}: {job.encoding}, delimiter {job.delimiter!r}, matching contacts by {key}", err=True)
        for index, target in sorted(mapping.items()):
            click.echo(f"  {job.header[index]} -> {target}", err=True)
        counts = _run(job, importer, dry_run, failures)
    click.echo(f"{counts.rows} rows{' checked (nothing written)' if dry_run else ''}: created {counts.created}, "
               f"updated {counts.updated}, skipped {counts.skipped}, failed {counts.failed}.")
    if counts.failed:
        click.echo(f"Failed rows, with the reason for each: {failures}")


def _run(job, importer, dry_run, failures):
    """Run the import with a progress bar over the bytes read; returns the Counts."""
    with click.progressbar(length=job.size_bytes, label="Importing" if not dry_run else "Checking",
                           file=sys.stderr, show_pos=False) as bar:
        read = [0]

        def progress(bytes_read, counts):
            bar.update(bytes_read - read[0])
            read[0] = bytes_read

        if dry_run:
            counts, _stopped = importer.execute(job, progress=progress, dry_run=True, failures_path=failures)
        else:
            job.save()
            counts, _stopped = importer.run_now(job, progress=progress, failures_path=failures)
        bar.update(job.size_bytes - read[0])
    if not counts.failed:
        failures.unlink(missing_ok=True)
    return counts


@contacts.command("export")
@click.option("--segment", type=int, default=None, help="Only the contacts of this segment (its id).")
@click.option("-o", "--output", default="-", type=click.Path(dir_okay=False, allow_dash=True),
              help="The CSV file to write (default: standard output).")
def export_contacts(segment, output):
    """Export contacts as CSV (UTF-8 with BOM, formulas neutralised): all, or a segment's."""
    from ..audit import record
    from ..contacts.export import contacts_matching, export_csv
    from ..models import Segment

    with app_context():
        expression = None
        if segment is not None:
            found = Segment.get_or_none(Segment.id == segment)
            if found is None:
                raise click.ClickException(f"no segment with id {segment}")
            from ..segments import FilterInvalid, expression_of

            try:
                expression = expression_of(found)
            except FilterInvalid as exc:
                raise click.ClickException(f"segment {segment} cannot be used: {exc}") from None
        exported = [0]

        def counted(batches):
            for batch in batches:
                exported[0] += len(batch)
                yield batch

        handle = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="")
        try:
            for chunk in export_csv(counted(contacts_matching(expression))):
                handle.write(chunk)
        finally:
            if handle is not sys.stdout:
                handle.close()
        record("contacts.exported", target=f"segment #{segment}" if segment else "all contacts",
               count=exported[0], via="cli")
    if output != "-":
        click.echo(f"{exported[0]} contacts written to {output}", err=True)


COMMANDS = [contacts]
