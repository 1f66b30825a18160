-- Spec version history, and links to projects that cannot cross users.

-- A spec, chat or build may only belong to a project of the same user: the
-- foreign keys include user_id. Deleting a project unlinks what it held
-- (only project_id is set to NULL; PostgreSQL 15's column list).
ALTER TABLE projects ADD CONSTRAINT projects_id_user_key UNIQUE (id, user_id);

ALTER TABLE app_specs DROP CONSTRAINT app_specs_project_id_fkey,
    ADD CONSTRAINT app_specs_project_owner_fkey FOREIGN KEY (project_id, user_id)
        REFERENCES projects (id, user_id) ON DELETE SET NULL (project_id);
ALTER TABLE chats DROP CONSTRAINT chats_project_id_fkey,
    ADD CONSTRAINT chats_project_owner_fkey FOREIGN KEY (project_id, user_id)
        REFERENCES projects (id, user_id) ON DELETE SET NULL (project_id);
ALTER TABLE builds DROP CONSTRAINT builds_project_id_fkey,
    ADD CONSTRAINT builds_project_owner_fkey FOREIGN KEY (project_id, user_id)
        REFERENCES projects (id, user_id) ON DELETE SET NULL (project_id);

-- The number of the spec's current version; every save adds one.
ALTER TABLE app_specs ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);

-- Every saved version of a spec, the current one included, so any two can be
-- compared and any one restored.
CREATE TABLE app_spec_versions (
    spec_id    uuid NOT NULL REFERENCES app_specs (id) ON DELETE CASCADE,
    version    integer NOT NULL CHECK (version >= 1),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    content    text NOT NULL CHECK (octet_length(content) <= 1048576),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (spec_id, version)
);

-- Specs that existed before history: their content is version 1.
INSERT INTO app_spec_versions (spec_id, version, name, content, created_at)
    SELECT id, 1, name, content, updated_at FROM app_specs;
