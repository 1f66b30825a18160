-- Deleting a build sets its webhook deliveries' build to null: found by
-- index, not by reading every delivery.
CREATE INDEX webhook_deliveries_build_idx ON webhook_deliveries (build_id) WHERE build_id IS NOT NULL;

-- The cleanups every ten minutes find what to forget by age.
CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (created_at) WHERE state <> 'pending';
CREATE INDEX sign_in_failures_failed_idx ON sign_in_failures (failed_at);
CREATE INDEX model_requests_created_idx ON model_requests (created_at);

-- What workers can claim. A build a person paused (no time to resume) can
-- wait for years: it is no longer read on every worker's poll.
DROP INDEX builds_claimable_idx;
CREATE INDEX builds_claimable_idx ON builds (created_at)
    WHERE status = 'queued' OR status = 'running' OR (status = 'paused' AND resume_at IS NOT NULL);
