DROP TABLE app_spec_versions;
ALTER TABLE app_specs DROP COLUMN version;

ALTER TABLE builds DROP CONSTRAINT builds_project_owner_fkey,
    ADD CONSTRAINT builds_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE SET NULL;
ALTER TABLE chats DROP CONSTRAINT chats_project_owner_fkey,
    ADD CONSTRAINT chats_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE SET NULL;
ALTER TABLE app_specs DROP CONSTRAINT app_specs_project_owner_fkey,
    ADD CONSTRAINT app_specs_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE SET NULL;

ALTER TABLE projects DROP CONSTRAINT projects_id_user_key;
