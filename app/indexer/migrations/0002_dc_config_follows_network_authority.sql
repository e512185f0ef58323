-- civnet index, version 2. The DC config has no authority of its own any more (the network's
-- authority governs it) and remembers the publish time of the newest oracle price used.
ALTER TABLE dc_configs DROP COLUMN authority;
ALTER TABLE dc_configs ADD COLUMN last_price_publish_time BIGINT NOT NULL DEFAULT 0;
