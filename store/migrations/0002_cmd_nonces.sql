-- 0002: the nonces of operator-signed uplink commands, so that a command
-- replayed after a restart is still refused. signed_at is the signature's
-- time (RFC 3339, UTC); rows older than the retention are pruned.
CREATE TABLE cmd_nonces (
    nonce     TEXT PRIMARY KEY,
    signed_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX cmd_nonces_signed_at ON cmd_nonces (signed_at);
