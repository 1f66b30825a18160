DROP TABLE model_requests;
DROP INDEX chat_messages_one_streaming_idx;
ALTER TABLE chat_messages DROP COLUMN error, DROP COLUMN status;
