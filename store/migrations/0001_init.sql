-- 0001: the initial schema of the kiosk's database.
--
-- Times are TEXT in RFC 3339 with nanoseconds, UTC; '' is the zero time.
-- Booleans are INTEGER 0/1. Ids are the domain's strings (ULIDs, config ids).

-- meta holds single values: the kiosk secret, the last outbox seq handed out
-- and the head of the audit chain. The counters only ever grow, so deleting
-- acknowledged outbox rows never resets the seq.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB
) WITHOUT ROWID;

CREATE TRIGGER meta_counters_grow BEFORE UPDATE ON meta
WHEN old.key IN ('last_seq', 'audit_seq') AND new.value < old.value
BEGIN
    SELECT RAISE(ABORT, 'store: counters in meta never decrease');
END;

CREATE TRIGGER meta_counters_stay BEFORE DELETE ON meta
WHEN old.key IN ('last_seq', 'audit_seq', 'audit_hash', 'secret')
BEGIN
    SELECT RAISE(ABORT, 'store: this meta row cannot be deleted');
END;

CREATE TABLE compartments (
    id           TEXT PRIMARY KEY,
    size         TEXT NOT NULL,
    board        INTEGER NOT NULL,
    lock         INTEGER NOT NULL,
    col          INTEGER NOT NULL DEFAULT 0,
    row          INTEGER NOT NULL DEFAULT 0,
    accessible   INTEGER NOT NULL DEFAULT 0,
    refrigerated INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    door         TEXT NOT NULL DEFAULT '',
    last_used    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE parcels (
    id             TEXT PRIMARY KEY,
    barcode        TEXT NOT NULL,
    carrier        TEXT NOT NULL DEFAULT '',
    courier_id     TEXT NOT NULL DEFAULT '',
    recipient_id   TEXT NOT NULL DEFAULT '',
    compartment_id TEXT REFERENCES compartments (id),
    size           TEXT NOT NULL DEFAULT '',
    upsized        INTEGER NOT NULL DEFAULT 0,
    refrigerated   INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL,
    visit_id       TEXT NOT NULL DEFAULT '',
    credential_id  TEXT NOT NULL DEFAULT '',
    pin_hash       TEXT NOT NULL DEFAULT '',
    expected_id    TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL DEFAULT '',
    deposited_at   TEXT NOT NULL DEFAULT '',
    expires_at     TEXT NOT NULL DEFAULT '',
    paused_since   TEXT NOT NULL DEFAULT '',
    closed_at      TEXT NOT NULL DEFAULT ''
);

-- Load reads the active parcels only; the history may hold millions.
CREATE INDEX parcels_status ON parcels (status);
CREATE INDEX parcels_barcode ON parcels (barcode);
CREATE INDEX parcels_compartment ON parcels (compartment_id);
-- A barcode is in the locker at most once.
CREATE UNIQUE INDEX parcels_active_barcode ON parcels (barcode)
WHERE barcode <> '' AND status IN ('depositing', 'deposited', 'expired');

-- name_key and unit_key are the lower-cased name and unit (Unicode, folded
-- in Go) for case-insensitive search.
CREATE TABLE recipients (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    unit       TEXT NOT NULL DEFAULT '',
    accessible INTEGER NOT NULL DEFAULT 0,
    name_key   TEXT NOT NULL,
    unit_key   TEXT NOT NULL
);
CREATE INDEX recipients_name ON recipients (name_key, id);

CREATE TABLE couriers (
    id        TEXT PRIMARY KEY,
    carrier   TEXT NOT NULL DEFAULT '',
    name      TEXT NOT NULL DEFAULT '',
    code_hash TEXT NOT NULL DEFAULT ''
);
-- One code signs in one courier.
CREATE UNIQUE INDEX couriers_code ON couriers (code_hash) WHERE code_hash <> '';

CREATE TABLE staff (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    pin_hash    TEXT NOT NULL DEFAULT '',
    totp_secret TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX staff_pin ON staff (pin_hash) WHERE pin_hash <> '';

CREATE TABLE expected (
    id              TEXT PRIMARY KEY,
    barcode         TEXT NOT NULL,
    carrier         TEXT NOT NULL DEFAULT '',
    recipient_id    TEXT NOT NULL DEFAULT '',
    size            TEXT NOT NULL DEFAULT '',
    dim1            INTEGER NOT NULL DEFAULT 0,
    dim2            INTEGER NOT NULL DEFAULT 0,
    dim3            INTEGER NOT NULL DEFAULT 0,
    refrigerated    INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX expected_barcode ON expected (barcode);
CREATE UNIQUE INDEX expected_key ON expected (idempotency_key) WHERE idempotency_key <> '';

-- outbox: events waiting for the uplink's PubAck. seq is gap-free per kiosk.
CREATE TABLE outbox (
    seq   INTEGER PRIMARY KEY,
    id    TEXT NOT NULL UNIQUE,
    type  TEXT NOT NULL,
    time  TEXT NOT NULL,
    site  TEXT NOT NULL DEFAULT '',
    kiosk TEXT NOT NULL DEFAULT '',
    data  BLOB
);

-- audit: append-only and hash-chained; VerifyAudit recomputes the chain.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    time      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'store: the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'store: the audit log is append-only');
END;
