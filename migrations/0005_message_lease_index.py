"""An index on the lease token of messages in flight: claims find their messages by it."""


def up(migrator, db):
    db.execute_sql('CREATE INDEX IF NOT EXISTS "message_lease_token" ON "message" ("lease_token") '
                   "WHERE \"lease_token\" <> ''")


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "message_lease_token"')
