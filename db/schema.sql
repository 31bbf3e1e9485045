-- Minimal Thoth knowledge-graph schema: FOR LOCAL RUNS AND TESTS ONLY.
--
-- The investigator never creates or migrates tables: a real deployment runs against the database
-- that thoth-storages (v0.74.1, alembic head bf9ea2a38b01) created. This file holds only the
-- tables the investigator reads or writes (spec/knowledge-graph.md, "Minimal compatible schema",
-- plus the four Q-G tables), with the real table, column, constraint, index and enum-type names,
-- types, NULL rules and defaults. Columns of the real tables that the service never touches are
-- left out, except the NOT NULL ones without a default, so that rows seeded by tests insert into
-- the real schema unchanged. It is loaded once into a fresh database (not idempotent).
--
-- Checked against the real schema: tests/integration/real-schema.test.ts creates it with
-- thoth-storages 0.74.1's own GraphDatabase().initialize_schema() and requires every table, column
-- (type, NULL rule, default), constraint (name and definition), index and enum type here to be
-- identical there, and the left-out real columns to be nullable or defaulted. Fixed after that
-- check (2026-11-27): the foreign keys of external_python_software_stack and
-- has_external_python_requirement_lock to external_python_requirements_lock now carry their real
-- names (`..._fkey1`); nothing else differed.
--
-- Indexes: every index below exists under the same name in the real schema (alembic revisions
-- 9168881dd125, b91c11e75551, bb26306538f0, a7442899ef28). The flag UPDATEs (U-1, U-2, U-1b) and
-- Q-1/Q-3/Q-5 look rows up by (package_name, package_version) through
-- python_package_version_index_idx_00 and the six-column unique constraint; nothing is added for
-- local performance only.

CREATE TABLE alembic_version (
  version_num varchar(32) NOT NULL,
  CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE python_package_index (
  id serial PRIMARY KEY,
  url text NOT NULL UNIQUE,
  warehouse_api_url text,
  verify_ssl boolean NOT NULL,            -- real schema: no server default
  enabled boolean,                        -- real schema: no server default; NULL counts as disabled
  only_if_package_seen boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX url_idx ON python_package_index (url);

CREATE TABLE python_package_version_entity (
  id serial PRIMARY KEY,
  package_name text NOT NULL,
  package_version text,
  python_package_index_id integer REFERENCES python_package_index (id) ON DELETE CASCADE,
  UNIQUE (package_name, package_version, python_package_index_id)
);
CREATE UNIQUE INDEX python_package_version_entity_idx
  ON python_package_version_entity (package_name, package_version, python_package_index_id);
CREATE INDEX python_package_version_entity_package_name_idx
  ON python_package_version_entity (package_name);

CREATE TABLE python_package_version (
  id serial PRIMARY KEY,
  package_name text NOT NULL,
  package_version text,
  os_name text NOT NULL,
  os_version text NOT NULL,
  python_version text NOT NULL,
  entity_id integer NOT NULL REFERENCES python_package_version_entity (id) ON DELETE CASCADE,
  python_package_index_id integer REFERENCES python_package_index (id) ON DELETE CASCADE,
  -- real schema: FKs to python_package_metadata / python_package_license; unused here,
  -- but upstream's ORM selects these three columns, so a database upstream can run on needs them
  python_package_metadata_id integer,
  package_license integer,
  package_license_warning boolean,
  is_missing boolean NOT NULL DEFAULT false,
  provides_source_distro boolean NOT NULL DEFAULT true,
  UNIQUE (package_name, package_version, python_package_index_id,
    os_name, os_version, python_version)
);
CREATE INDEX python_package_version_index_idx_00
  ON python_package_version (package_name, package_version);
CREATE INDEX python_package_version_index_idx_10
  ON python_package_version (package_name, package_version, os_name);
CREATE INDEX python_package_version_index_idx_11
  ON python_package_version (package_name, package_version, os_version);
CREATE INDEX python_package_version_index_idx_12
  ON python_package_version (package_name, package_version, python_version);
CREATE INDEX python_package_version_index_idx_20
  ON python_package_version (package_name, package_version, os_name, os_version);
CREATE INDEX python_package_version_index_idx_21
  ON python_package_version (package_name, package_version, os_name, python_version);
CREATE INDEX python_package_version_index_idx_22
  ON python_package_version (package_name, package_version, os_version, python_version);
CREATE INDEX python_package_version_index_idx_30
  ON python_package_version (package_name, package_version, os_name, os_version, python_version);
CREATE INDEX python_package_version_environment_idx
  ON python_package_version (os_name, os_version, python_version);

CREATE TABLE python_artifact (
  id serial PRIMARY KEY,
  artifact_hash_sha256 text NOT NULL,
  artifact_name text,
  present boolean NOT NULL DEFAULT true
);

CREATE TABLE has_artifact (
  python_package_version_entity_id integer NOT NULL
    REFERENCES python_package_version_entity (id) ON DELETE CASCADE,
  python_artifact_id integer NOT NULL REFERENCES python_artifact (id) ON DELETE CASCADE
  -- real schema: no primary key and no unique constraint (dropped with its id column), so never
  -- rely on ON CONFLICT here
);
CREATE INDEX has_artifact_python_artifact_id ON has_artifact (python_artifact_id);
CREATE INDEX has_artifact_python_package_version_entity_id
  ON has_artifact (python_package_version_entity_id);

CREATE TABLE si_aggregated_run (
  id serial PRIMARY KEY,
  si_aggregated_run_document_id text NOT NULL,
  -- 25 NOT NULL counters without defaults, as in the real table; the service only reads this
  -- table, rows inserted by tests must give them
  severity_high_confidence_high integer NOT NULL,
  severity_high_confidence_low integer NOT NULL,
  severity_high_confidence_medium integer NOT NULL,
  severity_high_confidence_undefined integer NOT NULL,
  severity_low_confidence_high integer NOT NULL,
  severity_low_confidence_low integer NOT NULL,
  severity_low_confidence_medium integer NOT NULL,
  severity_low_confidence_undefined integer NOT NULL,
  severity_medium_confidence_high integer NOT NULL,
  severity_medium_confidence_low integer NOT NULL,
  severity_medium_confidence_medium integer NOT NULL,
  severity_medium_confidence_undefined integer NOT NULL,
  number_of_analyzed_files integer NOT NULL,
  number_of_files_total integer NOT NULL,
  number_of_files_with_severities integer NOT NULL,
  number_of_filtered_files integer NOT NULL,
  number_of_python_files integer NOT NULL,
  number_of_lines_with_comments_in_python_files integer NOT NULL,
  number_of_blank_lines_in_python_files integer NOT NULL,
  number_of_lines_with_code_in_python_files integer NOT NULL,
  total_number_of_files integer NOT NULL,
  total_number_of_lines integer NOT NULL,
  total_number_of_lines_with_comments integer NOT NULL,
  total_number_of_blank_lines integer NOT NULL,
  total_number_of_lines_with_code integer NOT NULL,
  datetime timestamp without time zone NOT NULL,
  error boolean NOT NULL DEFAULT false
);

CREATE TABLE si_aggregated (
  si_aggregated_run_id integer NOT NULL REFERENCES si_aggregated_run (id) ON DELETE CASCADE,
  python_package_version_entity_id integer NOT NULL
    REFERENCES python_package_version_entity (id) ON DELETE CASCADE,
  python_package_version_id integer NOT NULL
    REFERENCES python_package_version (id) ON DELETE CASCADE,
  PRIMARY KEY (si_aggregated_run_id, python_package_version_entity_id) -- as in the real schema
);

-- Q-G tables (spec/knowledge-graph.md, "Q-G").

CREATE TABLE external_python_requirements_lock (
  id serial PRIMARY KEY,
  requirements_lock_hash text NOT NULL UNIQUE
);

CREATE TABLE external_python_software_stack (
  id serial PRIMARY KEY,
  -- real table: also external_python_requirements_id (nullable FK), not read by the service
  external_python_requirements_lock_id integer,
  -- the real constraint name (ends in "fkey1")
  CONSTRAINT external_python_software_sta_external_python_requirements_fkey1
    FOREIGN KEY (external_python_requirements_lock_id)
    REFERENCES external_python_requirements_lock (id) ON DELETE CASCADE
);

CREATE TABLE has_external_python_requirement_lock (
  external_python_requirements_locked_id integer NOT NULL,
  python_package_version_entity_id integer NOT NULL
    REFERENCES python_package_version_entity (id) ON DELETE CASCADE,
  PRIMARY KEY (external_python_requirements_locked_id, python_package_version_entity_id),
  -- the real constraint name (ends in "fkey1")
  CONSTRAINT has_external_python_requirem_external_python_requirements_fkey1
    FOREIGN KEY (external_python_requirements_locked_id)
    REFERENCES external_python_requirements_lock (id) ON DELETE CASCADE
);

-- Enum types of the real adviser_run (recommendation_type as widened by alembic 83e2900c3721).
CREATE TYPE recommendation_type AS ENUM ('LATEST', 'PERFORMANCE', 'SECURITY', 'STABLE', 'TESTING');
CREATE TYPE requirements_format AS ENUM ('PIPENV');

CREATE TABLE adviser_run (
  id serial PRIMARY KEY,
  -- the real table's NOT NULL columns without a server default (Q-G reads none of them)
  adviser_document_id text NOT NULL,
  datetime timestamp without time zone NOT NULL,
  adviser_version text NOT NULL,
  adviser_name text NOT NULL,
  debug boolean NOT NULL,
  adviser_error boolean NOT NULL,
  recommendation_type recommendation_type NOT NULL,
  requirements_format requirements_format NOT NULL,
  advised_configuration_changes boolean NOT NULL,
  additional_stack_info boolean NOT NULL,
  -- read by Q-G; the real table's other nullable columns are left out
  origin text,
  user_software_stack_id integer
    REFERENCES external_python_software_stack (id) ON DELETE CASCADE
);

INSERT INTO alembic_version (version_num) VALUES ('bf9ea2a38b01');
