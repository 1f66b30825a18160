-- The platform's initial schema: accounts, projects, specs, chats, builds and
-- what builds record. Ids are UUIDs chosen by the application (v7, time-ordered);
-- every row a user owns carries user_id so queries can be scoped by it.

CREATE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique whatever their case.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE projects (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_user_created_idx ON projects (user_id, created_at DESC);
CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE chats (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id uuid REFERENCES projects (id) ON DELETE SET NULL,
    title      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chats_user_updated_idx ON chats (user_id, updated_at DESC);
CREATE INDEX chats_project_idx ON chats (project_id) WHERE project_id IS NOT NULL;
CREATE TRIGGER chats_set_updated_at BEFORE UPDATE ON chats
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE chat_messages (
    id            uuid PRIMARY KEY,
    chat_id       uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content       text NOT NULL,
    model         text,
    input_tokens  integer CHECK (input_tokens >= 0),
    output_tokens integer CHECK (output_tokens >= 0),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_chat_created_idx ON chat_messages (chat_id, created_at);

CREATE TABLE app_specs (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id uuid REFERENCES projects (id) ON DELETE SET NULL,
    chat_id    uuid REFERENCES chats (id) ON DELETE SET NULL,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- 1 MiB is the product's limit for a spec; the database holds the line too.
    content    text NOT NULL CHECK (octet_length(content) <= 1048576),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX app_specs_user_updated_idx ON app_specs (user_id, updated_at DESC);
CREATE INDEX app_specs_project_idx ON app_specs (project_id) WHERE project_id IS NOT NULL;
CREATE TRIGGER app_specs_set_updated_at BEFORE UPDATE ON app_specs
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE builds (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id    uuid REFERENCES projects (id) ON DELETE SET NULL,
    app_spec_id   uuid REFERENCES app_specs (id) ON DELETE SET NULL,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled')),
    -- The spec as it was when the build was created; later edits do not change a build.
    spec_content  text NOT NULL,
    status_reason text,
    artifact_key  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX builds_user_status_idx ON builds (user_id, status);
CREATE INDEX builds_user_created_idx ON builds (user_id, created_at DESC);
CREATE INDEX builds_project_idx ON builds (project_id) WHERE project_id IS NOT NULL;
CREATE INDEX builds_app_spec_idx ON builds (app_spec_id) WHERE app_spec_id IS NOT NULL;
CREATE TRIGGER builds_set_updated_at BEFORE UPDATE ON builds
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One row per output line, numbered per build so a reader can resume after `seq`.
CREATE TABLE build_logs (
    build_id   uuid NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    seq        bigint NOT NULL CHECK (seq >= 0),
    stream     text NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
    line       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (build_id, seq)
);

-- Typed agent events (phase, feature, activity, ...) as JSON, numbered per build.
CREATE TABLE build_events (
    build_id   uuid NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    seq        bigint NOT NULL CHECK (seq >= 0),
    kind       text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (build_id, seq)
);
