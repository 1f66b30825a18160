-- A build's state folded from its events, kept so that a view of its page
-- folds only the events after it (server/src/builds/repo/state.rs): a
-- build's history can hold millions of events.
CREATE TABLE build_states (
    build_id uuid PRIMARY KEY REFERENCES builds (id) ON DELETE CASCADE,
    -- What app::model::build_view::FOLD_VERSION was when it was folded.
    fold_version integer NOT NULL,
    last_seq bigint NOT NULL,
    view jsonb NOT NULL,
    kept_at timestamptz NOT NULL DEFAULT now()
);
