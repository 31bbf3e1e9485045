"""Creates the real Thoth knowledge-graph schema with thoth-storages' own code.

Runs in .venv/thoth (scripts/python-venv.sh). Connection settings come from the KNOWLEDGE_GRAPH_*
variables, read by thoth-storages itself (spec/knowledge-graph.md, "Connection"). The database
must exist and be empty (tests/integration/real-schema.test.ts creates a scratch database owned
by the investigator's role, which may not create databases itself). Prints the alembic revision
stored by the migration on its last line.
"""

from sqlalchemy.exc import ProgrammingError
from thoth.storages import GraphDatabase


def main() -> None:
    graph = GraphDatabase()
    try:
        graph.connect()
    except ProgrammingError:
        # W-33: connect() raises on an existing database without alembic_version, after the
        # engine was created, so the adapter is connected and initialize_schema() can run.
        if not graph.is_connected():
            raise
    graph.initialize_schema()
    print(graph.get_table_alembic_version_head())


if __name__ == "__main__":
    main()
