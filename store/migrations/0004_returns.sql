-- 0004: returns, parcels a resident drops off for a carrier to collect
-- (issue 15). One row per pre-advised return, from return.expect to its
-- collection; status is expected, depositing, deposited, collected,
-- retrieved or cancelled. Load reads the ones in a compartment.
CREATE TABLE returns (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL,
    label_barcode  TEXT NOT NULL DEFAULT '',
    carrier        TEXT NOT NULL DEFAULT '',
    recipient_id   TEXT NOT NULL DEFAULT '',
    size           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    compartment_id TEXT REFERENCES compartments (id),
    courier_id     TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL DEFAULT '',
    deposited_at   TEXT NOT NULL DEFAULT '',
    overdue_at     TEXT NOT NULL DEFAULT '',
    closed_at      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX returns_status ON returns (status);
-- A code, and a label barcode, belong to one open return at a time.
CREATE UNIQUE INDEX returns_open_code ON returns (code)
WHERE status IN ('expected', 'depositing', 'deposited');
CREATE UNIQUE INDEX returns_open_label ON returns (label_barcode)
WHERE label_barcode <> '' AND status IN ('expected', 'depositing', 'deposited');
