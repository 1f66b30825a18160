ALTER TABLE chat_messages DROP COLUMN stop_requested, DROP COLUMN writer_lease_until;
