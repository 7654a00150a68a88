"""Click tracking: the links of each email, looked up by (message id, index)."""
from peewee import *  # noqa: F403


def up(migrator, db):
    class ClickLink(Model):
        message_id = BigIntegerField()
        index = IntegerField()
        url = TextField()

        class Meta:
            database = db
            table_name = "chapar_email_click_link"
            indexes = ((("message_id", "index"), True),)

    db.create_tables([ClickLink])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "chapar_email_click_link"')
