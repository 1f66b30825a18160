-- Replies are written while the model streams them: a reply is 'streaming'
-- until it is complete, stopped by the user, cut off by a failure, or
-- interrupted by a server restart. Its text so far is saved as it arrives.
ALTER TABLE chat_messages
    ADD COLUMN status text NOT NULL DEFAULT 'complete'
        CHECK (status IN ('complete', 'streaming', 'stopped', 'interrupted', 'failed')),
    ADD COLUMN error text;

-- One reply at a time per chat.
CREATE UNIQUE INDEX chat_messages_one_streaming_idx ON chat_messages (chat_id)
    WHERE status = 'streaming';

-- Every request a user makes of the model, for the hourly limit. Kept when
-- chats are deleted, so deleting a chat does not reset the limit.
CREATE TABLE model_requests (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('chat', 'refine')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX model_requests_user_created_idx ON model_requests (user_id, created_at);
