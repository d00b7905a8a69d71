-- Signer bridge: API keys issued to gateway customers. Migration versions are global across modules
-- (ledger: V1, V2; signer bridge: V3; the next one, in any module, is V4).
-- Only a SHA-256 of the key is stored (keys are 256-bit random, so a fast hash is safe) plus a short prefix to
-- recognise it; the plaintext is shown once, when the key is created.
CREATE TABLE bridge_api_keys (
    id             VARCHAR(40)              NOT NULL PRIMARY KEY,
    key_hash       VARCHAR(64)              NOT NULL,
    key_prefix     VARCHAR(32)              NOT NULL,
    client_id      VARCHAR(255)             NOT NULL,
    usage_subject  VARCHAR(255)             NOT NULL,
    subject_type   VARCHAR(64)              NOT NULL,
    description    VARCHAR(500),
    max_price_wei  NUMERIC(78, 0),
    max_price_unit VARCHAR(32),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at     TIMESTAMP WITH TIME ZONE,
    revoked_at     TIMESTAMP WITH TIME ZONE,
    CONSTRAINT bridge_api_keys_hash_uq UNIQUE (key_hash),
    CONSTRAINT bridge_api_keys_max_price_ck CHECK ((max_price_wei IS NULL) = (max_price_unit IS NULL))
);
CREATE INDEX bridge_api_keys_client_ix ON bridge_api_keys (client_id, created_at);
