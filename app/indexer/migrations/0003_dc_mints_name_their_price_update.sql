-- civnet index, version 3. A DC purchase priced by a Pyth feed names the PriceUpdateV2 account
-- that priced it (NULL for a fixed price, and for purchases indexed before this version).
ALTER TABLE dc_mints ADD COLUMN price_update TEXT;
