-- A reply is written by one server process. It renews a lease on its row
-- every second while it writes, so another process can tell a reply being
-- written elsewhere from one its server left behind (only the latter is
-- marked interrupted), and asks it to stop through the row.
ALTER TABLE chat_messages
    ADD COLUMN writer_lease_until timestamptz,
    ADD COLUMN stop_requested boolean NOT NULL DEFAULT false;
