"""Users, API tokens, the audit log and UI settings."""
from peewee import *  # noqa: F403  (frozen copies of the models, independent of the app's)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        email = CharField(max_length=254, unique=True)
        name = CharField(max_length=200, default="")
        password_hash = CharField(max_length=255)
        role = CharField(max_length=20, default="viewer")
        locale = CharField(max_length=10, default="")
        must_change_password = BooleanField(default=False)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)

    class ApiToken(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        name = CharField(max_length=100)
        prefix = CharField(max_length=16)
        token_hash = CharField(max_length=64, unique=True)
        role = CharField(max_length=20)
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

    class AuditLog(Base):
        created_at = DateTimeField(index=True)
        actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
        action = CharField(max_length=64, index=True)
        target = CharField(max_length=255, default="")
        ip = CharField(max_length=64, default="")
        details = TextField(default="")

    class SiteSetting(Base):
        key = CharField(max_length=100, primary_key=True)
        value = TextField()
        updated_at = DateTimeField()

    db.create_tables([User, ApiToken, AuditLog, SiteSetting])


def down(migrator, db):
    for table in ("site_setting", "audit_log", "api_token", "user"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
