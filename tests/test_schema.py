"""The schema comes from migrations only, and matches the models on SQLite and PostgreSQL.

The models' intended schema is built with create_tables in a scratch database of the same
engine (only here, in a test), and both are compared through the same introspection: columns
with their types, nullability and primary keys, indexes, and foreign keys with ON DELETE.
"""
import importlib
import pkgutil
import re
import uuid
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from peewee import CharField, PostgresqlDatabase

import chapar.models
from chapar.db import database_from_url, db
from chapar.models import BaseModel, User
from chapar.schema import migrate

ROOT = Path(__file__).resolve().parent.parent


def core_models():
    """Every model defined in chapar.models, its submodules imported so none is missed."""
    for info in pkgutil.iter_modules(chapar.models.__path__):
        importlib.import_module(f"chapar.models.{info.name}")
    found, stack = set(), [BaseModel]
    while stack:
        for model in stack.pop().__subclasses__():
            stack.append(model)
            if model.__module__.startswith("chapar.models."):
                found.add(model)
    return sorted(found, key=lambda model: model._meta.table_name)


def _on_delete(database, table):
    """{column: ON DELETE rule} of the table's foreign keys (peewee does not introspect it)."""
    if isinstance(database, PostgresqlDatabase):
        rows = database.execute_sql(
            "SELECT kcu.column_name, rc.delete_rule FROM information_schema.referential_constraints rc "
            "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name "
            "AND kcu.constraint_schema = rc.constraint_schema WHERE kcu.table_name = %s", (table,))
    else:
        rows = [(row[3], row[6]) for row in database.execute_sql(f'PRAGMA foreign_key_list("{table}")')]
    return {column: rule.upper() for column, rule in rows}


def _pg_sizes(database, table):
    """{column: "(length)" or "(precision,scale)"}: PostgreSQL's data_type leaves sizes out."""
    rows = database.execute_sql(
        "SELECT column_name, character_maximum_length, numeric_precision, numeric_scale "
        "FROM information_schema.columns WHERE table_name = %s AND table_schema = current_schema()", (table,))
    return {name: f"({length})" if length else f"({precision},{scale})" if scale is not None else ""
            for name, length, precision, scale in rows}


def describe(database, models):
    """{table: {"columns": ..., "indexes": ..., "foreign_keys": ...}} as the database has them."""
    described = {}
    for model in models:
        table = model._meta.table_name
        if not database.table_exists(table):
            described[table] = None
            continue
        on_delete = _on_delete(database, table)
        sizes = _pg_sizes(database, table) if isinstance(database, PostgresqlDatabase) else {}
        described[table] = {
            "columns": {c.name: (c.data_type.lower() + sizes.get(c.name, ""), c.null, c.primary_key)
                        for c in database.get_columns(table)},
            # Index names differ between create_tables and migrator.add_index; what they cover does not.
            "indexes": sorted((tuple(i.columns), i.unique) for i in database.get_indexes(table)),
            "foreign_keys": sorted((fk.column, fk.dest_table, fk.dest_column, on_delete.get(fk.column, ""))
                                   for fk in database.get_foreign_keys(table)),
        }
    return described


def schema_differences(migrated, models, scratch):
    """Readable differences between the migrated database and the models built in `scratch`."""
    with scratch.bind_ctx(models):
        scratch.create_tables(models)
    expected, actual = describe(scratch, models), describe(migrated, models)
    differences = []
    for table in expected:
        if actual[table] is None:
            differences.append(f"{table}: no migration creates this table")
            continue
        for aspect in ("columns", "indexes", "foreign_keys"):
            if expected[table][aspect] != actual[table][aspect]:
                differences.append(f"{table} {aspect}: models {expected[table][aspect]} != "
                                   f"migrated {actual[table][aspect]}")
    return differences


@pytest.fixture
def scratch_database(database_url, tmp_path):
    """An empty database of the same engine as the test's."""
    if database_url.startswith("sqlite"):
        scratch = database_from_url(f"sqlite:///{tmp_path / 'scratch.db'}")
        yield scratch
        scratch.close()
        return
    name = f"chapar_scratch_{uuid.uuid4().hex[:12]}"
    admin_url = urlparse(database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    scratch = database_from_url(urlparse(database_url)._replace(path="/" + name).geturl())
    yield scratch
    scratch.close()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migrated_schema_matches_the_models(app, scratch_database):
    models = core_models()
    assert set(chapar.models.CORE_MODELS) <= set(models)
    assert schema_differences(db.obj, models, scratch_database) == []


def test_a_model_field_without_a_migration_is_caught(app, scratch_database):
    class UserWithNickname(User):  # what someone adding a field to User without a migration does
        nickname = CharField(max_length=40, default="")

        class Meta:
            table_name = "user"

    differences = schema_differences(db.obj, [UserWithNickname], scratch_database)
    assert len(differences) == 1 and differences[0].startswith("user columns:")
    assert "'nickname'" in differences[0]


def test_migrate_is_idempotent(app):
    # The test database is already migrated: a second run applies nothing and changes nothing.
    tables = sorted(db.get_tables())
    assert migrate() == {"core": []}
    assert sorted(db.get_tables()) == tables


def test_every_core_migration_is_recorded_in_the_core_table(app):
    files = sorted(path.stem for path in (ROOT / "migrations").glob("[0-9]*.py"))
    recorded = [name for (name,) in db.execute_sql("SELECT name FROM migrations_core ORDER BY name").fetchall()]
    assert files and recorded == files


def test_production_code_never_creates_tables_outside_migrations():
    # The schema must come from migrations, so it can evolve; create_tables would hide a missing one.
    pattern = re.compile(r"\.create_tables?\(|\bcreate_model_tables\(")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for folder in ("core", "webui", "plugins") for path in (ROOT / folder).rglob("*.py")
                 if "migrations" not in path.parts and "tests" not in path.parts
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []
