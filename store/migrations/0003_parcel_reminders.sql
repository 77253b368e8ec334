-- 0003 (issue 14, reminders and holds): when the parcel.expiring reminder
-- was sent (RFC 3339, '' until then: it is sent once per parcel, also
-- across restarts) and the total extension parcel.extend granted, in
-- seconds (capped by the site's max_extension).
ALTER TABLE parcels ADD COLUMN expiring_sent_at TEXT NOT NULL DEFAULT '';
ALTER TABLE parcels ADD COLUMN extended_s INTEGER NOT NULL DEFAULT 0;
